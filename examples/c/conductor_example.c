/*
 * conductor_example.c: embedding Conductor from C.
 *
 *   1. loads a config file (the plugin guide's test_config.toml) and feeds it MIDI,
 *   2. builds a second engine from TOML text whose mappings send MIDI out, switch
 *      modes and hand host actions to the application, and drives it with the
 *      real-time push API,
 *   3. loads a plugin on its own and calls it directly.
 *
 * Build (from the repository root, after `cargo build --release -p conductor-ffi`):
 *
 *   cc -std=c99 -Wall -Wextra -Iinclude examples/c/conductor_example.c \
 *      -Ltarget/release -lconductor -Wl,-rpath,$PWD/target/release -o conductor_example
 *
 * or `pkg-config --cflags --libs conductor` once the library is installed.
 *
 * Run: ./conductor_example path/to/test_config.toml path/to/my_midi_plugin.wasm
 */

#include <conductor.h>

#include <stdio.h>
#include <string.h>

/* Prints a failed call's error and frees it. */
static void report(const char *what, conductor_status_t status, conductor_error_t *error) {
    fprintf(stderr, "%s failed (%s): %s\n", what, conductor_status_name((int32_t)status),
            error ? conductor_error_message(error, NULL) : "(no details)");
    conductor_error_delete(error);
}

/* Runs a fallible call; on failure reports it and jumps to the cleanup label. */
#define CHECK(call)                                    \
    do {                                               \
        conductor_error_t *error_ = NULL;              \
        conductor_status_t status_ = (call);           \
        if (status_ != CONDUCTOR_OK) {                 \
            report(#call, status_, error_);            \
            goto cleanup;                              \
        }                                              \
    } while (0)

#define ERR (&error_)

/* Log lines: plugin output as "[plugin] line", host lines from warn up. */
static void on_log(void *user_data, conductor_log_level_t level, conductor_log_source_t source,
                   const char *plugin, const char *message) {
    (void)user_data;
    if (source != CONDUCTOR_LOG_SOURCE_HOST) {
        printf("[%s] %s\n", plugin, message);
    } else if (level >= CONDUCTOR_LOG_WARN) {
        printf("conductor: %s\n", message);
    }
}

static void on_action(void *user_data, const char *name, const char *json) {
    (void)user_data;
    printf("host action: %s %s\n", name, json);
}

/* MIDI to send, with the time it belongs to on the clock of the input timestamps. */
static void on_midi_out(void *user_data, const uint8_t *bytes, size_t len, uint64_t timestamp_us) {
    size_t i;
    (void)user_data;
    printf("midi out:");
    for (i = 0; i < len; i++) {
        printf(" %02X", bytes[i]);
    }
    printf(" (at %llu us)\n", (unsigned long long)timestamp_us);
}

/* Mappings fired by pushed events arrive here, on the engine thread, once their chain
 * has finished. Callbacks may call the engine back (except to delete it). */
static void on_fired(void *user_data, const conductor_fired_t *fired) {
    int *count = (int *)user_data;
    *count += 1;
    printf("pushed event fired: %s (%s)\n", conductor_fired_label(fired),
           conductor_fired_ok(fired) ? "ok" : "failed");
}

/* Prints what one process() call fired and frees the list. */
static void print_fired(const char *what, conductor_fired_list_t *list) {
    size_t i, j;
    printf("%s: %zu mapping(s) fired\n", what, conductor_fired_list_len(list));
    for (i = 0; i < conductor_fired_list_len(list); i++) {
        const conductor_fired_t *fired = conductor_fired_list_get(list, i);
        const char *mode = conductor_fired_mode(fired);
        printf("  %s (mode %s): %s\n", conductor_fired_label(fired), mode ? mode : "global",
               conductor_fired_ok(fired) ? "ok" : "failed");
        for (j = 0; j < conductor_fired_outcome_count(fired); j++) {
            const conductor_outcome_t *outcome = conductor_fired_outcome(fired, j);
            const char *plugin = conductor_outcome_plugin(outcome);
            const conductor_error_t *error = conductor_outcome_error(outcome);
            printf("    %s%s%s: %s\n", conductor_outcome_action(outcome), plugin ? " " : "",
                   plugin ? plugin : "", error ? conductor_error_message(error, NULL) : "ok");
        }
    }
    conductor_fired_list_delete(list);
}

static const char ACTIONS_TOML[] =
    "[[modes]]\n"
    "name = \"Default\"\n"
    "\n"
    "[[modes.mappings]]\n"
    "description = \"Pad 1\"\n"
    "trigger = { Note = { note = 36 } }\n"
    "action = { Sequence = [\n"
    "  { SendMidi = { bytes = [0x90, 48, 100] } },\n"
    "  { Host = { name = \"Pad\", data = { pad = 1 } } },\n"
    "] }\n"
    "\n"
    "[[modes.mappings]]\n"
    "description = \"Switch to Edit\"\n"
    "trigger = { CC = { cc = 20 } }\n"
    "action = { ModeChange = \"Edit\" }\n"
    "\n"
    "[[modes]]\n"
    "name = \"Edit\"\n"
    "\n"
    "[[modes.mappings]]\n"
    "description = \"Save\"\n"
    "trigger = { Note = { note = 36 } }\n"
    "action = { Keystroke = { keys = \"s\", modifiers = [\"cmd\"] } }\n";

int main(int argc, char **argv) {
    int exit_code = 1;
    int pushed_fired = 0;
    conductor_host_config_t *host_config = NULL;
    conductor_engine_options_t *options = NULL;
    conductor_engine_t *guide = NULL;
    conductor_engine_t *actions = NULL;
    conductor_plugin_host_t *host = NULL;
    conductor_plugin_options_t *plugin_options = NULL;
    conductor_plugin_t *plugin = NULL;
    conductor_fired_list_t *fired = NULL;
    char *text = NULL;
    size_t mode = 0;
    bool drained = false;
    uint32_t capabilities = 0;
    uint32_t c;

    if (argc != 3) {
        fprintf(stderr, "usage: %s CONFIG.toml PLUGIN.wasm\n", argv[0]);
        return 2;
    }
    printf("conductor %s (header %d.%d.%d)\n", conductor_version(), CONDUCTOR_VERSION_MAJOR,
           CONDUCTOR_VERSION_MINOR, CONDUCTOR_VERSION_PATCH);

    /* Shared settings: every log line goes to on_log. */
    host_config = conductor_host_config_new();
    CHECK(conductor_host_config_set_log_callback(host_config, on_log, NULL, NULL, ERR));

    options = conductor_engine_options_new();
    CHECK(conductor_engine_options_set_host_config(options, host_config, ERR));
    CHECK(conductor_engine_options_set_action_callback(options, on_action, NULL, NULL, ERR));
    CHECK(conductor_engine_options_set_midi_out_callback(options, on_midi_out, NULL, NULL, ERR));
    CHECK(conductor_engine_options_set_fired_callback(options, on_fired, &pushed_fired, NULL, ERR));

    /* 1. The guide's config: middle C runs my_midi_plugin. */
    printf("== the guide's config: %s\n", argv[1]);
    CHECK(conductor_engine_new_from_file(argv[1], strlen(argv[1]), options, &guide, ERR));
    {
        const uint8_t note_61[] = {0x90, 61, 100};
        const uint8_t middle_c[] = {0x90, 60, 100};
        CHECK(conductor_engine_process(guide, note_61, sizeof note_61, 0, &fired, ERR));
        print_fired("note 61", fired);
        fired = NULL;
        CHECK(conductor_engine_process(guide, middle_c, sizeof middle_c, 1000, &fired, ERR));
        print_fired("note 60", fired);
        fired = NULL;
    }
    CHECK(conductor_engine_mode(guide, &mode, ERR));
    CHECK(conductor_engine_mode_name(guide, &text, ERR));
    printf("active mode: %zu %s\n", mode, text);
    conductor_string_delete(text);
    text = NULL;
    CHECK(conductor_engine_shutdown(guide, ERR));

    /* 2. Host actions, MIDI out and mode changes, driven by process() and push(). */
    printf("== host actions and MIDI out\n");
    CHECK(conductor_engine_new_from_toml(ACTIONS_TOML, strlen(ACTIONS_TOML), NULL, 0, options,
                                         &actions, ERR));
    {
        const uint8_t pad[] = {0x90, 36, 110};
        const uint8_t edit[] = {0xB0, 20, 127};
        CHECK(conductor_engine_process(actions, pad, sizeof pad, 2000, &fired, ERR));
        print_fired("note 36", fired);
        fired = NULL;
        /* push() is what an audio or MIDI callback calls: it never blocks. */
        if (!conductor_engine_push(actions, edit, sizeof edit, 3000) ||
            !conductor_engine_push(actions, pad, sizeof pad, 4000)) {
            fprintf(stderr, "push dropped an event\n");
            goto cleanup;
        }
        CHECK(conductor_engine_wait_idle(actions, 5000, &drained, ERR));
    }
    CHECK(conductor_engine_mode_name(actions, &text, ERR));
    printf("pushed: %d mapping(s) fired, queue drained: %s, dropped: %llu, mode now %s\n",
           pushed_fired, drained ? "yes" : "no",
           (unsigned long long)conductor_engine_dropped(actions), text);
    conductor_string_delete(text);
    text = NULL;

    /* 3. A plugin on its own, without the mapping engine. */
    printf("== plugin run directly: %s\n", argv[2]);
    CHECK(conductor_plugin_host_new(host_config, &host, ERR));
    plugin_options = conductor_plugin_options_new();
    CHECK(conductor_plugin_options_set_fuel(plugin_options, 10000000, ERR));
    CHECK(conductor_plugin_options_set_timeout_ms(plugin_options, 2000, ERR));
    CHECK(conductor_plugin_host_load(host, argv[2], strlen(argv[2]), plugin_options, &plugin, ERR));
    CHECK(conductor_plugin_name(plugin, &text, ERR));
    CHECK(conductor_plugin_capabilities(plugin, &capabilities, ERR));
    printf("loaded %s, capabilities:", text);
    for (c = CONDUCTOR_CAPABILITY_NETWORK; c <= CONDUCTOR_CAPABILITY_SYSTEM_CONTROL; c++) {
        if (capabilities & (1u << c)) {
            printf(" %s", conductor_capability_name(c));
        }
    }
    printf("%s\n", capabilities ? "" : " none");
    conductor_string_delete(text);
    text = NULL;
    {
        static const char params[] = "{\"message\": \"Hello from C!\"}";
        static const char bad_params[] = "{\"msg\": 1}";
        conductor_error_t *error = NULL;
        int32_t code = 0;
        CHECK(conductor_plugin_execute(plugin, (const uint8_t *)params, strlen(params), ERR));
        printf("execute: ok\n");
        /* The guide's plugin returns 1 when its params do not parse. */
        if (conductor_plugin_execute(plugin, (const uint8_t *)bad_params, strlen(bad_params), &error) ==
                CONDUCTOR_ERROR_PLUGIN_RETURNED &&
            conductor_error_plugin_code(error, &code)) {
            printf("execute with bad params: %s, code %d: %s\n",
                   conductor_status_name((int32_t)conductor_error_kind(error)), (int)code,
                   conductor_error_message(error, NULL));
        }
        conductor_error_delete(error);
    }
    CHECK(conductor_plugin_shutdown(plugin, ERR));
    printf("done\n");
    exit_code = 0;

cleanup:
    conductor_fired_list_delete(fired);
    conductor_string_delete(text);
    conductor_plugin_delete(plugin);
    conductor_plugin_options_delete(plugin_options);
    conductor_plugin_host_delete(host);
    conductor_engine_delete(actions);
    conductor_engine_delete(guide);
    conductor_engine_options_delete(options);
    conductor_host_config_delete(host_config);
    return exit_code;
}
