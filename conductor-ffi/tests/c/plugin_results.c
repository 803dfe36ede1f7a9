/*
 * plugin_results.c: what a plugin gives back, seen from C. Each check is a command-line
 * argument:
 *
 *   plugin_results output | output_cap | vars | vars_cap | config | cancel
 *
 * RESULTS_PLUGIN (tests/fixtures/plugins/results-plugin) and WORK_DIR come from the
 * environment. Prints one line per outcome and "<check>: N failure(s)" at the end;
 * exits non-zero if any expectation fails.
 */

#include <conductor.h>

#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set once the plugin printed "spinning" (its `spin` call is running). */
static pthread_mutex_t spin_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t spin_cond = PTHREAD_COND_INITIALIZER;
static int spinning = 0;

static void on_log(void *user_data, conductor_log_level_t level, conductor_log_source_t source,
                   const char *plugin, const char *message) {
    (void)user_data;
    (void)level;
    (void)plugin;
    if (source == CONDUCTOR_LOG_SOURCE_PLUGIN_STDERR && strstr(message, "spinning") != NULL) {
        pthread_mutex_lock(&spin_lock);
        spinning = 1;
        pthread_cond_broadcast(&spin_cond);
        pthread_mutex_unlock(&spin_lock);
    }
}

static conductor_plugin_host_t *new_host(void) {
    const char *work = env_path("WORK_DIR");
    char root[4096];
    snprintf(root, sizeof root, "%s/plugin-data", work);
    conductor_host_config_t *config = conductor_host_config_new();
    EXPECT(config != NULL);
    EXPECT(conductor_host_config_set_data_root(config, root, strlen(root), NULL) == CONDUCTOR_OK);
    EXPECT(conductor_host_config_set_log_callback(config, on_log, NULL, NULL, NULL) == CONDUCTOR_OK);
    conductor_plugin_host_t *host = NULL;
    conductor_error_t *error = NULL;
    if (conductor_plugin_host_new(config, &host, &error) != CONDUCTOR_OK) {
        fprintf(stderr, "cannot create a host: %s\n", conductor_error_message(error, NULL));
        exit(1);
    }
    conductor_host_config_delete(config);
    return host;
}

static conductor_plugin_t *load(conductor_plugin_host_t *host,
                                const conductor_plugin_options_t *options) {
    const char *path = env_path("RESULTS_PLUGIN");
    conductor_plugin_t *plugin = NULL;
    conductor_error_t *error = NULL;
    if (conductor_plugin_host_load(host, path, strlen(path), options, &plugin, &error) !=
        CONDUCTOR_OK) {
        fprintf(stderr, "cannot load %s: %s\n", path, conductor_error_message(error, NULL));
        exit(1);
    }
    return plugin;
}

/*
 * Calls the plugin with `params` (and `context` unless NULL). On success stores the
 * output, NUL-terminated, in `out` (at most `cap` bytes); returns the status and, on
 * failure, the plugin's code in `*code`.
 */
static conductor_status_t call(const conductor_plugin_t *plugin, const char *params,
                               const char *context, char *out, size_t cap, int32_t *code) {
    uint8_t *output = (uint8_t *)"not set";
    size_t len = 12345;
    conductor_error_t *error = NULL;
    conductor_status_t status = conductor_plugin_call(
        plugin, (const uint8_t *)params, strlen(params), (const uint8_t *)context,
        context ? strlen(context) : 0, &output, &len, &error);
    out[0] = '\0';
    if (status == CONDUCTOR_OK) {
        EXPECT(len < cap);
        EXPECT((output == NULL) == (len == 0));
        if (len < cap && output != NULL) {
            memcpy(out, output, len);
            out[len] = '\0';
        }
        conductor_bytes_delete(output, len);
    } else {
        /* A failed call hands back no buffer. */
        EXPECT(output == NULL && len == 0);
        if (code != NULL) {
            conductor_error_plugin_code(error, code);
        }
        printf("%s -> %s: %s\n", params, conductor_status_name((int32_t)status),
               conductor_error_message(error, NULL));
    }
    conductor_error_delete(error);
    return status;
}

static void check_output(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_t *plugin = load(host, NULL);
    char out[256];
    EXPECT(call(plugin, "{\"op\": \"echo\", \"value\": {\"answer\": 42}}", NULL, out, sizeof out,
                NULL) == CONDUCTOR_OK);
    printf("output: %s\n", out);
    EXPECT(strcmp(out, "{\"answer\":42}") == 0);
    EXPECT(call(plugin, "{\"op\": \"transpose\", \"by\": 12}", "{\"note\": 60, \"velocity\": 90}",
                out, sizeof out, NULL) == CONDUCTOR_OK);
    printf("actions: %s\n", out);
    EXPECT(strcmp(out, "[{\"SendMidi\":{\"bytes\":[144,72,90]}}]") == 0);
    /* A call that sets nothing returns nothing: NULL and 0. */
    EXPECT(call(plugin, "{\"op\": \"var_set\", \"key\": \"k\", \"value\": \"v\"}", NULL, out,
                sizeof out, NULL) == CONDUCTOR_OK);
    EXPECT(out[0] == '\0');
    conductor_bytes_delete(NULL, 0);
    conductor_plugin_delete(plugin);
    conductor_plugin_host_delete(host);
}

static void check_output_cap(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_options_t *options = conductor_plugin_options_new();
    EXPECT(conductor_plugin_options_set_max_output_bytes(options, 100, NULL) == CONDUCTOR_OK);
    conductor_plugin_t *plugin = load(host, options);
    char out[256];
    int32_t code = 0;
    EXPECT(call(plugin, "{\"op\": \"bytes\", \"len\": 100}", NULL, out, sizeof out, NULL) ==
           CONDUCTOR_OK);
    EXPECT(strlen(out) == 100);
    EXPECT(call(plugin, "{\"op\": \"bytes\", \"len\": 101}", NULL, out, sizeof out, &code) ==
           CONDUCTOR_ERROR_PLUGIN_RETURNED);
    printf("oversized output: plugin code %d\n", code);
    EXPECT(code == 6);
    EXPECT(call(plugin, "{\"op\": \"echo\", \"value\": 7}", NULL, out, sizeof out, NULL) ==
           CONDUCTOR_OK);
    EXPECT(strcmp(out, "7") == 0);
    conductor_plugin_delete(plugin);
    conductor_plugin_options_delete(options);
    conductor_plugin_host_delete(host);
}

static void check_vars(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_t *plugin = load(host, NULL);
    char out[256];
    EXPECT(call(plugin, "{\"op\": \"count\"}", NULL, out, sizeof out, NULL) == CONDUCTOR_OK);
    EXPECT(strcmp(out, "1") == 0);
    /* A trap replaces the instance; the host kept the variable. */
    EXPECT(call(plugin, "{\"op\": \"trap\"}", NULL, out, sizeof out, NULL) ==
           CONDUCTOR_ERROR_PLUGIN_TRAP);
    EXPECT(call(plugin, "{\"op\": \"count\"}", NULL, out, sizeof out, NULL) == CONDUCTOR_OK);
    printf("after a trap: %s\n", out);
    EXPECT(strcmp(out, "2") == 0);
    conductor_plugin_delete(plugin);
    conductor_plugin_host_delete(host);
    /* A new host and plugin, as after a restart, read it from disk. */
    host = new_host();
    plugin = load(host, NULL);
    EXPECT(call(plugin, "{\"op\": \"count\"}", NULL, out, sizeof out, NULL) == CONDUCTOR_OK);
    printf("after a restart: %s\n", out);
    EXPECT(strcmp(out, "3") == 0);
    conductor_plugin_delete(plugin);
    conductor_plugin_host_delete(host);
}

static void check_vars_cap(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_options_t *options = conductor_plugin_options_new();
    EXPECT(conductor_plugin_options_set_max_var_bytes(options, 100, NULL) == CONDUCTOR_OK);
    conductor_plugin_t *plugin = load(host, options);
    char out[256];
    int32_t code = 0;
    EXPECT(call(plugin, "{\"op\": \"var_set\", \"key\": \"big\", \"len\": 200}", NULL, out,
                sizeof out, &code) == CONDUCTOR_ERROR_PLUGIN_RETURNED);
    printf("oversized variable: plugin code %d\n", code);
    EXPECT(code == 6);
    EXPECT(call(plugin, "{\"op\": \"count\"}", NULL, out, sizeof out, NULL) == CONDUCTOR_OK);
    EXPECT(strcmp(out, "1") == 0);
    conductor_plugin_delete(plugin);
    conductor_plugin_options_delete(options);
    conductor_plugin_host_delete(host);
}

static void check_config(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_options_t *options = conductor_plugin_options_new();
    EXPECT(conductor_plugin_options_set_config(options, "api_key", 7, "s3cret", 6, NULL) ==
           CONDUCTOR_OK);
    EXPECT(conductor_plugin_options_set_config(options, "gone", 4, "x", 1, NULL) == CONDUCTOR_OK);
    EXPECT(conductor_plugin_options_set_config(options, "gone", 4, NULL, 0, NULL) == CONDUCTOR_OK);
    conductor_plugin_t *plugin = load(host, options);
    char out[256];
    EXPECT(call(plugin, "{\"op\": \"config\", \"key\": \"api_key\"}", NULL, out, sizeof out,
                NULL) == CONDUCTOR_OK);
    printf("config api_key: %s\n", out);
    EXPECT(strcmp(out, "{\"value\":\"s3cret\"}") == 0);
    EXPECT(call(plugin, "{\"op\": \"config\", \"key\": \"gone\"}", NULL, out, sizeof out, NULL) ==
           CONDUCTOR_OK);
    EXPECT(strcmp(out, "{\"value\":null}") == 0);
    conductor_plugin_delete(plugin);
    conductor_plugin_options_delete(options);
    conductor_plugin_host_delete(host);
}

struct spin_call {
    const conductor_plugin_t *plugin;
    conductor_status_t status;
    /* conductor_error_kind of the error, which must agree with the status. */
    conductor_status_t kind;
    char message[512];
    char plugin_name[128];
};

static void *spin_thread(void *arg) {
    struct spin_call *call = arg;
    const char *params = "{\"op\": \"spin\"}";
    conductor_error_t *error = NULL;
    call->status =
        conductor_plugin_execute(call->plugin, (const uint8_t *)params, strlen(params), &error);
    snprintf(call->message, sizeof call->message, "%s",
             error ? conductor_error_message(error, NULL) : "(no error)");
    const char *name = error ? conductor_error_plugin(error) : NULL;
    snprintf(call->plugin_name, sizeof call->plugin_name, "%s", name ? name : "(none)");
    call->kind = error ? conductor_error_kind(error) : CONDUCTOR_OK;
    conductor_error_delete(error);
    return NULL;
}

static void check_cancel(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_options_t *options = conductor_plugin_options_new();
    /* Only a cancel stops the call within the test's life. */
    EXPECT(conductor_plugin_options_set_fuel(options, UINT64_MAX, NULL) == CONDUCTOR_OK);
    EXPECT(conductor_plugin_options_set_timeout_ms(options, 600000, NULL) == CONDUCTOR_OK);
    conductor_plugin_t *plugin = load(host, options);
    /* A cancel with no call running does nothing. */
    EXPECT(conductor_plugin_cancel(plugin, NULL) == CONDUCTOR_OK);
    char out[256];
    EXPECT(call(plugin, "{\"op\": \"echo\", \"value\": 1}", NULL, out, sizeof out, NULL) ==
           CONDUCTOR_OK);
    struct spin_call spin = {plugin, CONDUCTOR_OK, CONDUCTOR_OK, "", ""};
    pthread_t thread;
    EXPECT(pthread_create(&thread, NULL, spin_thread, &spin) == 0);
    pthread_mutex_lock(&spin_lock);
    while (!spinning) {
        pthread_cond_wait(&spin_cond, &spin_lock);
    }
    pthread_mutex_unlock(&spin_lock);
    EXPECT(conductor_plugin_cancel(plugin, NULL) == CONDUCTOR_OK);
    pthread_join(thread, NULL);
    printf("cancelled call: %s (plugin %s): %s\n", conductor_status_name((int32_t)spin.status),
           spin.plugin_name, spin.message);
    /* Its own status, not CONDUCTOR_ERROR_PLUGIN_TRAP: a caller can tell it from a crash. */
    EXPECT(spin.status == CONDUCTOR_ERROR_CANCELLED);
    EXPECT(spin.kind == CONDUCTOR_ERROR_CANCELLED);
    EXPECT(strcmp(spin.plugin_name, "results_plugin") == 0);
    EXPECT(strstr(spin.message, "cancelled") != NULL);
    /* The next call runs in a fresh instance. */
    EXPECT(call(plugin, "{\"op\": \"echo\", \"value\": 2}", NULL, out, sizeof out, NULL) ==
           CONDUCTOR_OK);
    EXPECT(strcmp(out, "2") == 0);
    /* A real trap is still a trap. */
    conductor_status_t trap = call(plugin, "{\"op\": \"trap\"}", NULL, out, sizeof out, NULL);
    printf("trapped call: %s\n", conductor_status_name((int32_t)trap));
    EXPECT(trap == CONDUCTOR_ERROR_PLUGIN_TRAP);
    conductor_plugin_delete(plugin);
    conductor_plugin_options_delete(options);
    conductor_plugin_host_delete(host);
}

int main(int argc, char **argv) {
    static const struct check checks[] = {
        {"output", check_output}, {"output_cap", check_output_cap}, {"vars", check_vars},
        {"vars_cap", check_vars_cap}, {"config", check_config}, {"cancel", check_cancel},
    };
    return run_check(argc, argv, checks, sizeof checks / sizeof checks[0]);
}
