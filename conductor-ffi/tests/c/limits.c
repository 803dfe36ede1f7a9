/*
 * limits.c: the sandbox's limits and a shared plugin handle, seen from C. Each check is
 * a command-line argument:
 *
 *   limits out_of_fuel | memory_limit | timeout | plugin_trap | threads
 *
 * Plugins and a scratch folder come from the environment: LOOP_PLUGIN (hostile-loop),
 * ALLOC_PLUGIN (hostile-alloc), PANIC_PLUGIN (hostile-panic), COUNTER_PLUGIN
 * (counter-plugin) and WORK_DIR. Prints one line per outcome and
 * "<check>: N failure(s)" at the end; exits non-zero if any expectation fails.
 */

#include <conductor.h>

#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- plugin output, collected from the log callback (any thread) ---- */

#define MAX_COUNTS 1024

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
/* seen[n] counts the lines "count=n" the counter plugin printed. */
static int seen[MAX_COUNTS + 1];
static int stray_counts = 0;
static int panic_lines = 0;

static void on_log(void *user_data, conductor_log_level_t level, conductor_log_source_t source,
                   const char *plugin, const char *message) {
    (void)user_data;
    (void)level;
    (void)plugin;
    if (source != CONDUCTOR_LOG_SOURCE_PLUGIN_STDERR) {
        return;
    }
    pthread_mutex_lock(&log_lock);
    int n = 0;
    if (sscanf(message, "count=%d", &n) == 1) {
        if (n >= 1 && n <= MAX_COUNTS) {
            seen[n]++;
        } else {
            stray_counts++;
        }
    }
    if (strstr(message, "deliberate panic") != NULL) {
        panic_lines++;
    }
    pthread_mutex_unlock(&log_lock);
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

/* Loads the plugin in the environment variable `env` with `options` (may be NULL). */
static conductor_plugin_t *load(conductor_plugin_host_t *host, const char *env,
                                const conductor_plugin_options_t *options) {
    const char *path = env_path(env);
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
 * Runs `params` on `plugin` and checks the call failed with `want`, with an error object
 * of the same kind whose message contains `needle`. Then checks the plugin is still
 * usable: the next call fails the same way (a fresh instance, not a broken handle).
 */
static void expect_limit(const char *what, const conductor_plugin_t *plugin, const char *params,
                         conductor_status_t want, const char *needle) {
    for (int round = 0; round < 2; round++) {
        conductor_error_t *error = NULL;
        conductor_status_t status =
            conductor_plugin_execute(plugin, (const uint8_t *)params, strlen(params), &error);
        const char *message = error ? conductor_error_message(error, NULL) : NULL;
        printf("%s (call %d): %s: %s\n", what, round + 1, conductor_status_name((int32_t)status),
               message ? message : "(no error object)");
        EXPECT(status == want);
        EXPECT(error != NULL && conductor_error_kind(error) == want);
        EXPECT(message != NULL && strstr(message, needle) != NULL);
        conductor_error_delete(error);
    }
}

static void check_out_of_fuel(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_options_t *options = conductor_plugin_options_new();
    EXPECT(conductor_plugin_options_set_fuel(options, 1000000, NULL) == CONDUCTOR_OK);
    conductor_plugin_t *plugin = load(host, "LOOP_PLUGIN", options);
    expect_limit("hostile-loop", plugin, "{}", CONDUCTOR_ERROR_OUT_OF_FUEL, "out of fuel");
    conductor_plugin_delete(plugin);
    conductor_plugin_options_delete(options);
    conductor_plugin_host_delete(host);
}

static void check_memory_limit(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_options_t *options = conductor_plugin_options_new();
    EXPECT(conductor_plugin_options_set_memory_bytes(options, 16u << 20, NULL) == CONDUCTOR_OK);
    conductor_plugin_t *plugin = load(host, "ALLOC_PLUGIN", options);
    expect_limit("hostile-alloc 32 MB under 16 MiB", plugin, "{\"mb\": 32}",
                 CONDUCTOR_ERROR_MEMORY_LIMIT, "memory limit of 16 MiB");
    /* An allocation that fits still works on the same handle. */
    conductor_error_t *error = NULL;
    const char *small = "{\"mb\": 1}";
    EXPECT(conductor_plugin_execute(plugin, (const uint8_t *)small, strlen(small), &error) ==
           CONDUCTOR_OK);
    conductor_error_delete(error);
    conductor_plugin_delete(plugin);
    conductor_plugin_options_delete(options);
    conductor_plugin_host_delete(host);
}

static void check_timeout(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_options_t *options = conductor_plugin_options_new();
    EXPECT(conductor_plugin_options_set_fuel(options, UINT64_MAX, NULL) == CONDUCTOR_OK);
    EXPECT(conductor_plugin_options_set_timeout_ms(options, 300, NULL) == CONDUCTOR_OK);
    conductor_plugin_t *plugin = load(host, "LOOP_PLUGIN", options);
    expect_limit("hostile-loop with unlimited fuel", plugin, "{}", CONDUCTOR_ERROR_TIMEOUT,
                 "timed out after 300 ms");
    conductor_plugin_delete(plugin);
    conductor_plugin_options_delete(options);
    conductor_plugin_host_delete(host);
}

static void check_plugin_trap(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_t *plugin = load(host, "PANIC_PLUGIN", NULL);
    expect_limit("hostile-panic", plugin, "{}", CONDUCTOR_ERROR_PLUGIN_TRAP, "trapped");
    pthread_mutex_lock(&log_lock);
    int panics = panic_lines;
    pthread_mutex_unlock(&log_lock);
    printf("panic messages forwarded: %d\n", panics);
    EXPECT(panics == 2);
    conductor_plugin_delete(plugin);
    conductor_plugin_host_delete(host);
}

/* ---- one plugin handle, many threads ---- */

#define THREADS 8
#define CALLS_PER_THREAD 25

struct worker {
    const conductor_plugin_t *plugin;
    int ok;
    int failed;
};

static void *call_many(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        conductor_error_t *error = NULL;
        conductor_status_t status = conductor_plugin_execute(w->plugin, (const uint8_t *)"{}", 2,
                                                             &error);
        if (status == CONDUCTOR_OK) {
            w->ok++;
        } else {
            fprintf(stderr, "execute from a thread: %s\n", conductor_error_message(error, NULL));
            w->failed++;
        }
        conductor_error_delete(error);
        /* Other calls on the same handle at the same time. */
        char *name = NULL;
        if (conductor_plugin_name(w->plugin, &name, NULL) == CONDUCTOR_OK) {
            conductor_string_delete(name);
        } else {
            w->failed++;
        }
    }
    return NULL;
}

static void check_threads(void) {
    conductor_plugin_host_t *host = new_host();
    conductor_plugin_t *plugin = load(host, "COUNTER_PLUGIN", NULL);
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (struct worker){plugin, 0, 0};
        EXPECT(pthread_create(&threads[i], NULL, call_many, &workers[i]) == 0);
    }
    int ok = 0, failed = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        ok += workers[i].ok;
        failed += workers[i].failed;
    }
    /* One instance served every call, one at a time: the counter went 1, 2, ..., N with
       no number missing or repeated. */
    int total = THREADS * CALLS_PER_THREAD, missing = 0, repeated = 0;
    pthread_mutex_lock(&log_lock);
    for (int n = 1; n <= total; n++) {
        missing += seen[n] == 0;
        repeated += seen[n] > 1;
    }
    int beyond = stray_counts + (total < MAX_COUNTS ? seen[total + 1] : 0);
    pthread_mutex_unlock(&log_lock);
    printf("threads: %d calls ok, %d failed; counts missing %d, repeated %d, beyond %d\n", ok,
           failed, missing, repeated, beyond);
    EXPECT(ok == total);
    EXPECT(failed == 0);
    EXPECT(missing == 0);
    EXPECT(repeated == 0);
    EXPECT(beyond == 0);
    conductor_plugin_delete(plugin);
    conductor_plugin_host_delete(host);
}

int main(int argc, char **argv) {
    static const struct check checks[] = {
        {"out_of_fuel", check_out_of_fuel}, {"memory_limit", check_memory_limit}, {"timeout", check_timeout},
        {"plugin_trap", check_plugin_trap}, {"threads", check_threads},
    };
    return run_check(argc, argv, checks, sizeof checks / sizeof checks[0]);
}
