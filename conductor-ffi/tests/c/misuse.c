/*
 * misuse.c: the C API used wrongly, from C. Each check is a command-line argument:
 *
 *   misuse null_handles | invalid_utf8 | double_shutdown | failing_plugin |
 *          config_errors | push_from_thread | capability_approval | limits |
 *          unused_grant | finalizers | open_input
 *
 * Plugins and a scratch folder come from the environment: FAIL_PLUGIN,
 * MY_MIDI_PLUGIN, FILE_LOGGER_PLUGIN (paths to .wasm files) and WORK_DIR.
 * Prints one line per error seen and exits non-zero if any expectation fails.
 */

#include <conductor.h>

#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Host settings that keep caches and plugin data under WORK_DIR and drop log lines. */
static void quiet_log(void *user_data, conductor_log_level_t level, conductor_log_source_t source,
                      const char *plugin, const char *message) {
    (void)user_data, (void)level, (void)source, (void)plugin, (void)message;
}

static conductor_engine_options_t *quiet_options(void) {
    conductor_host_config_t *config = conductor_host_config_new();
    conductor_engine_options_t *options = conductor_engine_options_new();
    char data[4096];
    snprintf(data, sizeof data, "%s/data", env_path("WORK_DIR"));
    EXPECT_OK("set_data_root", conductor_host_config_set_data_root(config, data, strlen(data), NULL));
    EXPECT_OK("set_log_callback", conductor_host_config_set_log_callback(config, quiet_log, NULL, NULL, NULL));
    EXPECT_OK("set_host_config", conductor_engine_options_set_host_config(options, config, NULL));
    conductor_host_config_delete(config);
    return options;
}

/* Writes a config mapping note 60 to `plugin` with `params` and returns its TOML. */
static void plugin_config(char *out, size_t size, const char *plugin, const char *params) {
    snprintf(out, size,
             "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n"
             "trigger = { Note = { note = 60 } }\n"
             "action = { WasmPlugin = { path = \"%s\", params = %s } }\n",
             plugin, params);
}

static const char HOST_TOML[] =
    "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n"
    "trigger = { NoteRange = { low = 0, high = 127 } }\n"
    "action = { Host = { name = \"note\" } }\n";

static void null_handles(void) {
    conductor_engine_t *engine = (conductor_engine_t *)1;
    conductor_plugin_t *plugin = (conductor_plugin_t *)1;
    conductor_fired_list_t *fired = (conductor_fired_list_t *)1;
    size_t index = 0;
    char *text = NULL;
    uint32_t mask = 0;
    const uint8_t note[] = {0x90, 60, 100};

    /* Engine calls on a NULL engine. */
    EXPECT_ERROR("process(NULL)", conductor_engine_process(NULL, note, 3, 0, &fired, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT(fired == NULL);
    EXPECT_ERROR("tick(NULL)", conductor_engine_tick(NULL, 0, NULL, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT_ERROR("mode(NULL)", conductor_engine_mode(NULL, &index, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT_ERROR("mode_name(NULL)", conductor_engine_mode_name(NULL, &text, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT(text == NULL);
    EXPECT_ERROR("set_mode(NULL)", conductor_engine_set_mode(NULL, "A", 1, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT_ERROR("set_mode_index(NULL)", conductor_engine_set_mode_index(NULL, 0, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT_ERROR("reload_file(NULL)", conductor_engine_reload_file(NULL, "x", 1, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT_ERROR("reload_toml(NULL)", conductor_engine_reload_toml(NULL, "", 0, NULL, 0, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT_ERROR("wait_idle(NULL)", conductor_engine_wait_idle(NULL, 1, NULL, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT_ERROR("shutdown(NULL)", conductor_engine_shutdown(NULL, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT(!conductor_engine_push(NULL, note, 3, 0));
    EXPECT(conductor_engine_dropped(NULL) == 0);
    EXPECT(conductor_engine_refused_plugin_calls(NULL) == 0);
    {
        uint64_t due = 7;
        EXPECT(!conductor_engine_next_due(NULL, &due));
        EXPECT(due == 7);
    }
    conductor_engine_delete(NULL);

    /* NULL out-parameters and NULL data with a length. */
    EXPECT_ERROR("new_from_toml(engine_out NULL)",
                 conductor_engine_new_from_toml(HOST_TOML, strlen(HOST_TOML), NULL, 0, NULL, NULL, &error), CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine_out is NULL");
    EXPECT_ERROR("new_from_file(path NULL, len 5)", conductor_engine_new_from_file(NULL, 5, NULL, &engine, &error), CONDUCTOR_ERROR_INVALID_ARGUMENT, "path is NULL but its length is 5");
    EXPECT(engine == NULL);
    /* Only the status, no error object. */
    EXPECT(conductor_engine_shutdown(NULL, NULL) == CONDUCTOR_ERROR_INVALID_ARGUMENT);

    /* Options and configs. */
    EXPECT_ERROR("engine_options_grant(NULL)",
                 conductor_engine_options_grant(NULL, CONDUCTOR_CAPABILITY_FILESYSTEM, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "options is NULL");
    {
        conductor_engine_options_t *options = conductor_engine_options_new();
        EXPECT_ERROR("set_host_config(NULL config)", conductor_engine_options_set_host_config(options, NULL, &error), CONDUCTOR_ERROR_INVALID_ARGUMENT, "config is NULL");
        conductor_engine_options_delete(options);
    }
    EXPECT_ERROR("set_log_callback(NULL)", conductor_host_config_set_log_callback(NULL, quiet_log, NULL, NULL, &error), CONDUCTOR_ERROR_INVALID_ARGUMENT, "config is NULL");
    EXPECT_ERROR("plugin_options_set_fuel(NULL)", conductor_plugin_options_set_fuel(NULL, 1, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "options is NULL");
    conductor_engine_options_delete(NULL);
    conductor_host_config_delete(NULL);
    conductor_plugin_options_delete(NULL);

    /* Plugins and hosts. */
    EXPECT_ERROR("host_load(NULL)", conductor_plugin_host_load(NULL, "x.wasm", 6, NULL, &plugin, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "host is NULL");
    EXPECT(plugin == NULL);
    EXPECT_ERROR("plugin_execute(NULL)", conductor_plugin_execute(NULL, NULL, 0, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "plugin is NULL");
    EXPECT_ERROR("plugin_execute_with_context(NULL)",
                 conductor_plugin_execute_with_context(NULL, NULL, 0, NULL, 0, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "plugin is NULL");
    EXPECT_ERROR("plugin_capabilities(NULL)", conductor_plugin_capabilities(NULL, &mask, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "plugin is NULL");
    EXPECT_ERROR("plugin_name(NULL)", conductor_plugin_name(NULL, &text, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "plugin is NULL");
    EXPECT_ERROR("plugin_shutdown(NULL)", conductor_plugin_shutdown(NULL, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "plugin is NULL");
    EXPECT_ERROR("plugin_host_new(host_out NULL)", conductor_plugin_host_new(NULL, NULL, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "host_out is NULL");
    conductor_plugin_delete(NULL);
    conductor_plugin_host_delete(NULL);

    /* Accessors, errors and strings. */
    EXPECT(conductor_fired_list_len(NULL) == 0);
    EXPECT(conductor_fired_list_get(NULL, 0) == NULL);
    EXPECT(conductor_fired_label(NULL) == NULL);
    EXPECT(conductor_fired_context_json(NULL) == NULL);
    EXPECT(!conductor_fired_ok(NULL));
    EXPECT(!conductor_fired_pending(NULL));
    EXPECT(!conductor_fired_resumed(NULL));
    EXPECT(conductor_fired_outcome_count(NULL) == 0);
    EXPECT(conductor_fired_outcome(NULL, 0) == NULL);
    EXPECT(conductor_outcome_action(NULL) == NULL);
    EXPECT(conductor_outcome_error(NULL) == NULL);
    EXPECT(conductor_error_message(NULL, NULL) == NULL);
    EXPECT(conductor_error_kind(NULL) == CONDUCTOR_ERROR_INVALID_ARGUMENT);
    EXPECT(!conductor_error_plugin_code(NULL, NULL));
    EXPECT(conductor_capability_name(99) == NULL);
    EXPECT(strcmp(conductor_status_name(12345), "unknown") == 0);
    conductor_fired_list_delete(NULL);
    conductor_error_delete(NULL);
    conductor_string_delete(NULL);

    /* Values out of range. */
    {
        conductor_engine_options_t *options = conductor_engine_options_new();
        EXPECT_ERROR("grant(42)", conductor_engine_options_grant(options, 42, &error),
                     CONDUCTOR_ERROR_INVALID_ARGUMENT, "42 is not a capability");
        conductor_engine_options_delete(options);
    }
    {
        conductor_plugin_options_t *options = conductor_plugin_options_new();
        EXPECT_ERROR("signature_policy(7)", conductor_plugin_options_set_signature_policy(options, 7, &error), CONDUCTOR_ERROR_INVALID_ARGUMENT, "7 is not a signature policy");
        conductor_plugin_options_delete(options);
    }
}

static void invalid_utf8(void) {
    static const char bad[] = "caf\xC3\x28.toml";
    conductor_engine_t *engine = NULL;
    conductor_capability_t capability = 0;
    conductor_engine_options_t *options = quiet_options();

    EXPECT_ERROR("new_from_file(bad UTF-8)", conductor_engine_new_from_file(bad, strlen(bad), NULL, &engine, &error), CONDUCTOR_ERROR_INVALID_ARGUMENT, "path is not valid UTF-8 (bad byte at offset 3)");
    EXPECT_ERROR("new_from_toml(bad UTF-8)",
                 conductor_engine_new_from_toml(bad, strlen(bad), NULL, 0, NULL, &engine, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "toml is not valid UTF-8");
    EXPECT_ERROR("capability_from_name(bad UTF-8)",
                 conductor_capability_from_name(bad, strlen(bad), &capability, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "name is not valid UTF-8");
    EXPECT_OK("new_from_toml", conductor_engine_new_from_toml(HOST_TOML, strlen(HOST_TOML), NULL, 0, options,
                                                              &engine, &error));
    EXPECT_ERROR("set_mode(bad UTF-8)", conductor_engine_set_mode(engine, bad, strlen(bad), &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "name is not valid UTF-8");
    /* A valid name that is not a mode lists the modes. */
    EXPECT_ERROR("set_mode(Nope)", conductor_engine_set_mode(engine, "Nope", 4, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "modes: Default");
    /* Names are parsed in any letter case; unknown ones list the valid names. */
    EXPECT_OK("capability_from_name", conductor_capability_from_name("filesystem", 10, &capability, &error));
    EXPECT(capability == CONDUCTOR_CAPABILITY_FILESYSTEM);
    EXPECT_ERROR("capability_from_name(Telepathy)", conductor_capability_from_name("Telepathy", 9, &capability, &error), CONDUCTOR_ERROR_INVALID_ARGUMENT, "valid names: Network, Audio");
    conductor_engine_delete(engine);
    conductor_engine_options_delete(options);
}

static void double_shutdown(void) {
    conductor_engine_t *engine = NULL;
    conductor_plugin_host_t *host = NULL;
    conductor_plugin_t *plugin = NULL;
    conductor_fired_list_t *fired = NULL;
    conductor_engine_options_t *options = quiet_options();
    const char *my_midi_plugin = env_path("MY_MIDI_PLUGIN");
    char toml[8192];
    const uint8_t middle_c[] = {0x90, 60, 100};

    plugin_config(toml, sizeof toml, my_midi_plugin, "{ message = \"hi\" }");
    EXPECT_OK("new_from_toml", conductor_engine_new_from_toml(toml, strlen(toml), NULL, 0, options, &engine, &error));
    EXPECT_OK("process", conductor_engine_process(engine, middle_c, 3, 0, &fired, &error));
    EXPECT(conductor_fired_list_len(fired) == 1 && conductor_fired_ok(conductor_fired_list_get(fired, 0)));
    conductor_fired_list_delete(fired);
    EXPECT_OK("shutdown", conductor_engine_shutdown(engine, &error));
    EXPECT_OK("shutdown again", conductor_engine_shutdown(engine, &error));
    EXPECT_ERROR("process after shutdown", conductor_engine_process(engine, middle_c, 3, 0, &fired, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "shut down");
    EXPECT(fired == NULL);
    (void)conductor_engine_push(engine, middle_c, 3, 0);
    conductor_engine_delete(engine);

    EXPECT_OK("plugin_host_new", conductor_plugin_host_new(NULL, &host, &error));
    EXPECT_OK("load", conductor_plugin_host_load(host, my_midi_plugin, strlen(my_midi_plugin), NULL, &plugin, &error));
    /* The plugin keeps its host alive. */
    conductor_plugin_host_delete(host);
    EXPECT_OK("execute", conductor_plugin_execute(plugin, (const uint8_t *)"{\"message\":\"x\"}", 15, &error));
    EXPECT_OK("plugin shutdown", conductor_plugin_shutdown(plugin, &error));
    EXPECT_OK("plugin shutdown again", conductor_plugin_shutdown(plugin, &error));
    EXPECT_ERROR("execute after shutdown",
                 conductor_plugin_execute(plugin, (const uint8_t *)"{\"message\":\"x\"}", 15, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "shut down");
    conductor_plugin_delete(plugin);
    conductor_engine_options_delete(options);
}

/* Collects log lines at error level. */
static void count_errors(void *user_data, conductor_log_level_t level, conductor_log_source_t source,
                         const char *plugin, const char *message) {
    (void)source, (void)plugin;
    if (level == CONDUCTOR_LOG_ERROR && strstr(message, "fail_plugin") != NULL) {
        *(int *)user_data += 1;
    }
}

static void failing_plugin(void) {
    conductor_error_t *error = NULL;
    conductor_plugin_host_t *host = NULL;
    conductor_plugin_t *plugin = NULL;
    conductor_engine_t *engine = NULL;
    conductor_fired_list_t *fired = NULL;
    conductor_host_config_t *config = conductor_host_config_new();
    conductor_engine_options_t *options = conductor_engine_options_new();
    const char *fail = env_path("FAIL_PLUGIN");
    const uint8_t middle_c[] = {0x90, 60, 100};
    char toml[8192];
    int32_t code = 0;
    int error_lines = 0;

    EXPECT_OK("set_log_callback", conductor_host_config_set_log_callback(config, count_errors, &error_lines, NULL, NULL));

    /* Called directly: the plugin's code reaches the caller. */
    EXPECT_OK("plugin_host_new", conductor_plugin_host_new(config, &host, &error));
    EXPECT_OK("load", conductor_plugin_host_load(host, fail, strlen(fail), NULL, &plugin, &error));
    {
        static const char params[] = "{\"code\": 42}";
        conductor_status_t status = conductor_plugin_execute(plugin, (const uint8_t *)params, strlen(params), &error);
        EXPECT(conductor_error_plugin_code(error, &code) && code == 42);
        expect_error(__FILE__, __LINE__, "execute fail_plugin", status, error, CONDUCTOR_ERROR_PLUGIN_RETURNED,
                     "plugin fail_plugin returned error code 42");
    }

    /* Through the engine: the mapping's outcome carries the error, the engine goes on. */
    EXPECT_OK("set_host_config", conductor_engine_options_set_host_config(options, config, &error));
    plugin_config(toml, sizeof toml, fail, "{}");
    EXPECT_OK("new_from_toml", conductor_engine_new_from_toml(toml, strlen(toml), NULL, 0, options, &engine, &error));
    EXPECT_OK("process", conductor_engine_process(engine, middle_c, 3, 0, &fired, &error));
    EXPECT(conductor_fired_list_len(fired) == 1);
    {
        const conductor_fired_t *f = conductor_fired_list_get(fired, 0);
        const conductor_outcome_t *o = conductor_fired_outcome(f, 0);
        const conductor_error_t *e = conductor_outcome_error(o);
        EXPECT(!conductor_fired_ok(f));
        EXPECT(conductor_fired_outcome(f, 1) == NULL);
        EXPECT(strcmp(conductor_outcome_action(o), "WasmPlugin") == 0);
        EXPECT(strcmp(conductor_outcome_plugin(o), "fail_plugin") == 0);
        EXPECT(conductor_error_kind(e) == CONDUCTOR_ERROR_PLUGIN_RETURNED);
        EXPECT(conductor_error_plugin_code(e, &code) && code == 7);
        printf("outcome error: %s\n", conductor_error_message(e, NULL));
    }
    conductor_fired_list_delete(fired);
    fired = NULL;
    EXPECT_OK("process again", conductor_engine_process(engine, middle_c, 3, 10, &fired, &error));
    EXPECT(conductor_fired_list_len(fired) == 1);
    conductor_fired_list_delete(fired);
    EXPECT(error_lines == 2);

    conductor_engine_delete(engine);
    conductor_plugin_delete(plugin);
    conductor_plugin_host_delete(host);
    conductor_engine_options_delete(options);
    conductor_host_config_delete(config);
}

static void config_errors(void) {
    static const char typo[] =
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n"
        "trigger = { Nte = { note = 60 } }\n"
        "action = { Host = { name = \"x\" } }\n";
    static const char missing_plugin[] =
        "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n"
        "trigger = { Note = { note = 60 } }\n"
        "action = { WasmPlugin = { path = \"no/such/plugin.wasm\" } }\n";
    conductor_engine_t *engine = NULL;
    conductor_fired_list_t *fired = NULL;
    conductor_engine_options_t *options = quiet_options();
    const uint8_t note[] = {0x90, 60, 100};
    char path[4096];
    FILE *file;

    {
        /* From text: a line and column, but no file. */
        conductor_error_t *error = NULL;
        size_t line = 0, column = 0;
        conductor_status_t status =
            conductor_engine_new_from_toml(typo, strlen(typo), NULL, 0, options, &engine, &error);
        EXPECT(conductor_error_config_path(error) == NULL);
        EXPECT(conductor_error_location(error, &line, &column) && line == 4 && column > 0);
        EXPECT(conductor_error_plugin(error) == NULL);
        printf("typo location: line %zu, column %zu\n", line, column);
        expect_error(__FILE__, __LINE__, "typo in a trigger", status, error, CONDUCTOR_ERROR_CONFIG, "Note");
    }
    EXPECT(engine == NULL);
    {
        /* A plugin error names the plugin, and has no config location. */
        conductor_error_t *error = NULL;
        conductor_status_t status = conductor_engine_new_from_toml(missing_plugin, strlen(missing_plugin), NULL,
                                                                   0, options, &engine, &error);
        const char *plugin = conductor_error_plugin(error);
        EXPECT(plugin != NULL && strcmp(plugin, "plugin") == 0);
        EXPECT(!conductor_error_location(error, NULL, NULL));
        EXPECT(conductor_error_config_path(error) == NULL);
        expect_error(__FILE__, __LINE__, "missing plugin", status, error, CONDUCTOR_ERROR_PLUGIN_LOAD, "no/such/plugin.wasm");
    }

    /* A file with the error names the file and the line. */
    snprintf(path, sizeof path, "%s/broken.toml", env_path("WORK_DIR"));
    file = fopen(path, "w");
    EXPECT(file != NULL);
    if (file) {
        fputs(typo, file);
        fclose(file);
    }
    {
        conductor_error_t *error = NULL;
        size_t line = 0;
        conductor_status_t status = conductor_engine_new_from_file(path, strlen(path), options, &engine, &error);
        const char *file_name = conductor_error_config_path(error);
        EXPECT(file_name != NULL && strstr(file_name, "broken.toml") != NULL);
        EXPECT(conductor_error_location(error, &line, NULL) && line == 4);
        printf("broken file location: %s:%zu\n", file_name ? file_name : "?", line);
        expect_error(__FILE__, __LINE__, "broken file", status, error, CONDUCTOR_ERROR_CONFIG, "broken.toml:4");
    }
    /* NULL errors have nothing to show. */
    EXPECT(conductor_error_config_path(NULL) == NULL && conductor_error_plugin(NULL) == NULL);
    EXPECT(!conductor_error_location(NULL, NULL, NULL));
    EXPECT_ERROR("no such file", conductor_engine_new_from_file("nowhere.toml", 12, options, &engine, &error),
                 CONDUCTOR_ERROR_IO, "nowhere.toml");

    /* A failed reload keeps the old config running. */
    EXPECT_OK("new_from_toml", conductor_engine_new_from_toml(HOST_TOML, strlen(HOST_TOML), NULL, 0, options,
                                                              &engine, &error));
    EXPECT_ERROR("reload typo", conductor_engine_reload_toml(engine, typo, strlen(typo), NULL, 0, &error),
                 CONDUCTOR_ERROR_CONFIG, "Nte");
    EXPECT_OK("process after failed reload", conductor_engine_process(engine, note, 3, 0, &fired, &error));
    EXPECT(conductor_fired_list_len(fired) == 1);
    conductor_fired_list_delete(fired);
    conductor_engine_delete(engine);
    conductor_engine_options_delete(options);
}

struct pusher {
    conductor_engine_t *engine;
    int pushed;
};

enum { PUSHES = 2000 };

static void *push_notes(void *arg) {
    struct pusher *p = (struct pusher *)arg;
    int i;
    for (i = 0; i < PUSHES; i++) {
        uint8_t note[3];
        note[0] = 0x90;
        note[1] = (uint8_t)(i % 128);
        note[2] = 100;
        if (conductor_engine_push(p->engine, note, sizeof note, (uint64_t)i)) {
            p->pushed++;
        }
    }
    return NULL;
}

static pthread_mutex_t fired_lock = PTHREAD_MUTEX_INITIALIZER;
static int fired_count = 0;

static void count_fired(void *user_data, const conductor_fired_t *fired) {
    (void)user_data;
    pthread_mutex_lock(&fired_lock);
    if (conductor_fired_ok(fired)) {
        fired_count++;
    }
    pthread_mutex_unlock(&fired_lock);
}

static void push_from_thread(void) {
    conductor_engine_t *engine = NULL;
    conductor_engine_options_t *options = quiet_options();
    struct pusher pusher;
    pthread_t thread;
    bool drained = false;
    int i;
    uint64_t dropped;

    EXPECT_OK("set_fired_callback", conductor_engine_options_set_fired_callback(options, count_fired, NULL, NULL, &error));
    /* A small queue, so some pushes may find it full: they must be counted, not lost. */
    EXPECT_OK("set_queue_capacity", conductor_engine_options_set_queue_capacity(options, 64, &error));
    EXPECT_OK("new_from_toml", conductor_engine_new_from_toml(HOST_TOML, strlen(HOST_TOML), NULL, 0, options,
                                                              &engine, &error));
    pusher.engine = engine;
    pusher.pushed = 0;
    EXPECT(pthread_create(&thread, NULL, push_notes, &pusher) == 0);
    /* Meanwhile this thread uses the same engine. */
    for (i = 0; i < 200; i++) {
        size_t mode = 99;
        const uint8_t cc[] = {0xB0, 1, 1};
        conductor_fired_list_t *fired = NULL;
        EXPECT_OK("mode", conductor_engine_mode(engine, &mode, &error));
        EXPECT(mode == 0);
        EXPECT_OK("process", conductor_engine_process(engine, cc, 3, 0, &fired, &error));
        EXPECT(conductor_fired_list_len(fired) == 0);
        conductor_fired_list_delete(fired);
    }
    pthread_join(thread, NULL);
    EXPECT_OK("wait_idle", conductor_engine_wait_idle(engine, 30000, &drained, &error));
    EXPECT(drained);
    dropped = conductor_engine_dropped(engine);
    pthread_mutex_lock(&fired_lock);
    printf("pushed %d, fired %d, dropped %llu\n", pusher.pushed, fired_count, (unsigned long long)dropped);
    EXPECT(fired_count == pusher.pushed);
    EXPECT((uint64_t)pusher.pushed + dropped == PUSHES);
    EXPECT(fired_count > 0);
    pthread_mutex_unlock(&fired_lock);
    /* Pushes that cannot be valid are dropped and counted. */
    {
        uint8_t too_long[CONDUCTOR_MAX_PUSH_BYTES + 1];
        memset(too_long, 0xF8, sizeof too_long);
        EXPECT(!conductor_engine_push(engine, too_long, sizeof too_long, 0));
        EXPECT(!conductor_engine_push(engine, too_long, 0, 0));
        EXPECT(conductor_engine_dropped(engine) == dropped + 2);
        EXPECT(!conductor_engine_push(engine, NULL, 3, 0));
        EXPECT(conductor_engine_dropped(engine) == dropped + 2);
    }
    EXPECT_OK("shutdown", conductor_engine_shutdown(engine, &error));
    conductor_engine_delete(engine);
    conductor_engine_options_delete(options);
}

struct approvals {
    int asked;
    bool answer;
    char plugin[256];
    conductor_capability_t capability;
};

static bool approve(void *user_data, const char *plugin, const char *path, conductor_capability_t capability) {
    struct approvals *a = (struct approvals *)user_data;
    (void)path;
    a->asked++;
    snprintf(a->plugin, sizeof a->plugin, "%s", plugin);
    a->capability = capability;
    return a->answer;
}

static void capability_approval(void) {
    conductor_engine_t *engine = NULL;
    conductor_engine_options_t *options = quiet_options();
    const char *logger = env_path("FILE_LOGGER_PLUGIN");
    struct approvals approvals;
    char toml[8192];

    memset(&approvals, 0, sizeof approvals);
    plugin_config(toml, sizeof toml, logger, "{ message = \"hi\", level = \"info\" }");

    EXPECT_ERROR("no grant", conductor_engine_new_from_toml(toml, strlen(toml), NULL, 0, options, &engine, &error), CONDUCTOR_ERROR_CAPABILITY_DENIED, "Filesystem");

    EXPECT_OK("set_approval_callback",
              conductor_engine_options_set_approval_callback(options, approve, &approvals, NULL, &error));
    approvals.answer = false;
    EXPECT_ERROR("refused", conductor_engine_new_from_toml(toml, strlen(toml), NULL, 0, options, &engine, &error), CONDUCTOR_ERROR_CAPABILITY_DENIED, "Filesystem");
    EXPECT(approvals.asked == 1);

    approvals.answer = true;
    EXPECT_OK("approved", conductor_engine_new_from_toml(toml, strlen(toml), NULL, 0, options, &engine, &error));
    EXPECT(approvals.asked == 2);
    EXPECT(strcmp(approvals.plugin, "file_logger_plugin") == 0);
    EXPECT(approvals.capability == CONDUCTOR_CAPABILITY_FILESYSTEM);
    printf("approval asked for %s: %s\n", approvals.plugin, conductor_capability_name(approvals.capability));
    conductor_engine_delete(engine);
    engine = NULL;

    /* A grant in the options needs no approval. */
    EXPECT_OK("set_approval_callback(NULL)",
              conductor_engine_options_set_approval_callback(options, NULL, NULL, NULL, &error));
    EXPECT_OK("grant_plugin", conductor_engine_options_grant_plugin(options, "file_logger_plugin", 18,
                                                                    CONDUCTOR_CAPABILITY_FILESYSTEM, &error));
    EXPECT_OK("granted", conductor_engine_new_from_toml(toml, strlen(toml), NULL, 0, options, &engine, &error));
    conductor_engine_delete(engine);
    conductor_engine_options_delete(options);
}

/*
 * Limits out of range are refused when the plugin loads, naming the limit and its
 * range: the same rule the config and the Python module apply.
 */
static void limits(void) {
    conductor_plugin_host_t *host = NULL;
    conductor_plugin_t *plugin = NULL;
    conductor_plugin_options_t *options = conductor_plugin_options_new();
    const char *my_midi_plugin = env_path("MY_MIDI_PLUGIN");

    EXPECT_OK("plugin_host_new", conductor_plugin_host_new(NULL, &host, NULL));
    EXPECT_OK("set_fuel(0)", conductor_plugin_options_set_fuel(options, 0, NULL));
    EXPECT_ERROR("load with fuel 0",
                 conductor_plugin_host_load(host, my_midi_plugin, strlen(my_midi_plugin), options, &plugin, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "`fuel` is 0; allowed: 1 to");
    EXPECT(plugin == NULL);
    EXPECT_OK("set_fuel", conductor_plugin_options_set_fuel(options, 1000000, NULL));
    EXPECT_OK("set_memory_bytes(1024)", conductor_plugin_options_set_memory_bytes(options, 1024, NULL));
    EXPECT_ERROR("load with 1 KiB of memory",
                 conductor_plugin_host_load(host, my_midi_plugin, strlen(my_midi_plugin), options, &plugin, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "`memory` is 1024 bytes; allowed: at least 65536");
    EXPECT_OK("set_memory_bytes", conductor_plugin_options_set_memory_bytes(options, 64u << 20, NULL));
    EXPECT_OK("set_timeout_ms(0)", conductor_plugin_options_set_timeout_ms(options, 0, NULL));
    EXPECT_ERROR("load with a 0 ms deadline",
                 conductor_plugin_host_load(host, my_midi_plugin, strlen(my_midi_plugin), options, &plugin, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "`timeout` is 0ns; allowed: at least 1 ms");
    EXPECT_OK("set_timeout_ms", conductor_plugin_options_set_timeout_ms(options, 1000, NULL));
    EXPECT_OK("load within the limits",
              conductor_plugin_host_load(host, my_midi_plugin, strlen(my_midi_plugin), options, &plugin, &error));
    conductor_plugin_delete(plugin);
    conductor_plugin_options_delete(options);
    conductor_plugin_host_delete(host);
}

/* Prints warnings and counts those about a grant for an unused plugin. */
static void count_unused_grants(void *user_data, conductor_log_level_t level, conductor_log_source_t source,
                                const char *plugin, const char *message) {
    (void)source, (void)plugin;
    if (level == CONDUCTOR_LOG_WARN) {
        printf("warning: %s\n", message);
        if (strstr(message, "the config uses no plugin called my_midi_plugn") != NULL) {
            *(int *)user_data += 1;
        }
    }
}

/* A grant naming a plugin the config does not use is pointed out on the log. */
static void unused_grant(void) {
    conductor_engine_t *engine = NULL;
    conductor_host_config_t *config = conductor_host_config_new();
    conductor_engine_options_t *options = conductor_engine_options_new();
    const char *my_midi_plugin = env_path("MY_MIDI_PLUGIN");
    char toml[8192];
    int warnings = 0;

    EXPECT_OK("set_log_callback",
              conductor_host_config_set_log_callback(config, count_unused_grants, &warnings, NULL, NULL));
    EXPECT_OK("set_host_config", conductor_engine_options_set_host_config(options, config, NULL));
    EXPECT_OK("grant_plugin", conductor_engine_options_grant_plugin(options, "my_midi_plugn", 13,
                                                                    CONDUCTOR_CAPABILITY_FILESYSTEM, NULL));
    plugin_config(toml, sizeof toml, my_midi_plugin, "{ message = \"hi\" }");
    EXPECT_OK("new_from_toml", conductor_engine_new_from_toml(toml, strlen(toml), NULL, 0, options, &engine, &error));
    EXPECT(warnings == 1);
    EXPECT_OK("reload_toml", conductor_engine_reload_toml(engine, toml, strlen(toml), NULL, 0, &error));
    EXPECT(warnings == 2);
    conductor_engine_delete(engine);
    conductor_engine_options_delete(options);
    conductor_host_config_delete(config);
}

/* Counts finalizer calls in the int user_data points to. */
static void count_finalized(void *user_data) { *(int *)user_data += 1; }

static void ignore_action(void *user_data, const char *name, const char *json) {
    (void)user_data, (void)name, (void)json;
}

/*
 * A callback's finalizer runs once, when nothing uses its user_data any more: after the
 * options and every engine built from them are deleted, when the callback is replaced,
 * or at once for a NULL callback.
 */
static void finalizers(void) {
    conductor_engine_t *engine = NULL;
    conductor_engine_options_t *options = quiet_options();
    int first = 0, second = 0, unused = 0;

    EXPECT_OK("set_action_callback", conductor_engine_options_set_action_callback(options, ignore_action, &first,
                                                                                  count_finalized, NULL));
    EXPECT_OK("new_from_toml", conductor_engine_new_from_toml(HOST_TOML, strlen(HOST_TOML), NULL, 0, options,
                                                              &engine, &error));
    /* Replacing the callback: the engine still holds the first one. */
    EXPECT_OK("set_action_callback again", conductor_engine_options_set_action_callback(
                                               options, ignore_action, &second, count_finalized, NULL));
    EXPECT(first == 0);
    EXPECT_OK("set NULL callback", conductor_engine_options_set_midi_out_callback(options, NULL, &unused,
                                                                                  count_finalized, NULL));
    EXPECT(unused == 1);
    conductor_engine_options_delete(options);
    EXPECT(second == 1);
    EXPECT(first == 0);
    conductor_engine_delete(engine);
    EXPECT(first == 1);
    printf("finalized: first %d, second %d, unused %d\n", first, second, unused);
}

/*
 * conductor_engine_open_input: a port that does not exist (or no MIDI system at all)
 * is a MIDI error and leaves no name; after shutdown it is refused.
 */
static void open_input(void) {
    static const char port[] = "no such port, surely";
    conductor_engine_t *engine = NULL;
    conductor_engine_options_t *options = quiet_options();
    char *name = (char *)1;

    EXPECT_ERROR("open_input(NULL)", conductor_engine_open_input(NULL, NULL, 0, NULL, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "engine is NULL");
    EXPECT_OK("new_from_toml", conductor_engine_new_from_toml(HOST_TOML, strlen(HOST_TOML), NULL, 0, options,
                                                              &engine, &error));
    EXPECT_ERROR("open_input(no such port)",
                 conductor_engine_open_input(engine, port, strlen(port), &name, &error), CONDUCTOR_ERROR_MIDI,
                 "MIDI");
    EXPECT(name == NULL);
    EXPECT_OK("shutdown", conductor_engine_shutdown(engine, &error));
    EXPECT_ERROR("open_input after shutdown", conductor_engine_open_input(engine, NULL, 0, NULL, &error),
                 CONDUCTOR_ERROR_INVALID_ARGUMENT, "shut down");
    conductor_engine_delete(engine);
    conductor_engine_options_delete(options);
}

int main(int argc, char **argv) {
    static const struct check checks[] = {
        {"null_handles", null_handles},
        {"invalid_utf8", invalid_utf8},
        {"double_shutdown", double_shutdown},
        {"failing_plugin", failing_plugin},
        {"config_errors", config_errors},
        {"push_from_thread", push_from_thread},
        {"capability_approval", capability_approval},
        {"limits", limits},
        {"unused_grant", unused_grant},
        {"finalizers", finalizers},
        {"open_input", open_input},
    };
    return run_check(argc, argv, checks, sizeof checks / sizeof checks[0]);
}
