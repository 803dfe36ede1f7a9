/* A plugin's SystemControl and Audio requests reach the application's callback, which
 * may accept or refuse them; the engine-wide signature policy overrides the config.
 * Prints what it saw; the Rust test (host_requests.rs) checks the output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conductor.h"

struct seen {
    int calls;
    bool accept;
};

static bool on_request(void *user_data, const char *plugin, conductor_capability_t capability,
                       const char *json) {
    struct seen *seen = user_data;
    seen->calls++;
    printf("request %d: plugin=%s capability=%s json=%s\n", seen->calls, plugin,
           conductor_capability_name(capability), json);
    return seen->accept;
}

static conductor_engine_t *engine_for(const char *toml, struct seen *seen, conductor_signature_policy_t policy,
                                      conductor_error_t **error) {
    conductor_engine_options_t *options = conductor_engine_options_new();
    conductor_engine_options_grant(options, CONDUCTOR_CAPABILITY_SYSTEM_CONTROL, NULL);
    conductor_engine_options_set_host_request_callback(options, on_request, seen, NULL, NULL);
    conductor_engine_options_set_signature_policy(options, policy, NULL);
    conductor_engine_t *engine = NULL;
    conductor_engine_new_from_toml(toml, strlen(toml), ".", 1, options, &engine, error);
    conductor_engine_options_delete(options);
    return engine;
}

static void press(conductor_engine_t *engine) {
    const uint8_t note_on[3] = {0x90, 60, 100};
    conductor_fired_list_t *fired = NULL;
    conductor_engine_process(engine, note_on, 3, 0, &fired, NULL);
    const conductor_outcome_t *outcome = conductor_fired_outcome(conductor_fired_list_get(fired, 0), 0);
    const conductor_error_t *error = conductor_outcome_error(outcome);
    printf("outcome: %s\n", error ? conductor_error_message(error, NULL) : "ok");
    conductor_fired_list_delete(fired);
}

int main(void) {
    const char *plugin = getenv("SYSTEM_PLUGIN");
    if (!plugin) {
        fprintf(stderr, "SYSTEM_PLUGIN is not set\n");
        return 2;
    }
    char toml[4096];
    snprintf(toml, sizeof toml,
             "[[modes]]\nname = \"Default\"\n[[modes.mappings]]\n"
             "trigger = { Note = { note = 60 } }\n"
             "action = { WasmPlugin = { path = \"%s\", params = { system = { volume = 0.5 }, "
             "audio = { cue = \"click\" } } } }\n",
             plugin);

    struct seen accepting = {0, true};
    conductor_engine_t *engine = engine_for(toml, &accepting, CONDUCTOR_SIGNATURE_POLICY_WARN, NULL);
    if (!engine) {
        fprintf(stderr, "engine did not load\n");
        return 1;
    }
    press(engine);
    conductor_engine_delete(engine);

    struct seen refusing = {0, false};
    engine = engine_for(toml, &refusing, CONDUCTOR_SIGNATURE_POLICY_WARN, NULL);
    press(engine);
    conductor_engine_delete(engine);

    conductor_error_t *error = NULL;
    engine = engine_for(toml, &refusing, CONDUCTOR_SIGNATURE_POLICY_REQUIRE, &error);
    printf("require: engine=%s kind=%s\n", engine ? "loaded" : "refused",
           error ? conductor_status_name(conductor_error_kind(error)) : "none");
    conductor_error_delete(error);
    conductor_engine_delete(engine);
    return 0;
}
