// The C++ wrapper hands its callbacks to libconductor with finalizers: the library owns
// each copy and frees it when the last object holding it is gone. This program checks
// both halves from the application's side: an engine keeps working after the options
// and host config it was built from are destroyed, and once the engine is destroyed
// every copy of every callback (and what it captured) has been freed.
#include <conductor.hpp>

#include <cstdio>
#include <memory>

static int failures = 0;

static void check(bool ok, const char *what, long detail) {
    if (!ok) {
        std::printf("FAIL: %s (%ld)\n", what, detail);
        failures++;
    }
}

int main() {
    // Every callback captures `token`; its use count is how many callback copies live.
    auto token = std::make_shared<int>(0);
    int midi_out = 0;
    {
        std::unique_ptr<conductor::Engine> engine;
        {
            conductor::HostConfig host;
            host.on_log([token](const conductor::LogLine &) {});
            conductor::EngineOptions options;
            options.host_config(host);
            options.on_midi_out([token, &midi_out](const std::vector<std::uint8_t> &bytes, std::uint64_t) {
                if (bytes.size() == 3 && bytes[0] == 0xB0 && bytes[1] == 20) {
                    midi_out++;
                }
            });
            options.on_action([token](const conductor::HostAction &) {});
            options.approve([token](const conductor::ApprovalRequest &) { return false; });
            options.on_fired([token](const conductor::Fired &) {});
            const char *config =
                "[[modes]]\nname = \"m\"\n[[modes.mappings]]\n"
                "trigger = { Note = { note = 60 } }\n"
                "action = { SendMidi = { message_type = \"CC\", controller = 20, value = 1 } }\n";
            engine = std::make_unique<conductor::Engine>(conductor::Engine::from_toml(config, ".", options));
            // A second engine from the same options gets copies of its own.
            conductor::Engine second = conductor::Engine::from_toml(config, ".", options);
        }
        // The options, the host config and the second engine are gone; this engine's
        // callbacks must still be alive and called.
        check(token.use_count() > 1, "the engine's callbacks were freed while it runs", token.use_count());
        engine->process({0x90, 60, 100});
        check(midi_out == 1, "the MIDI-out callback did not run after the options were destroyed", midi_out);
        engine.reset();
    }
    check(token.use_count() == 1, "callback copies outlived every object holding them", token.use_count());
    if (failures == 0) {
        std::printf("ok\n");
    }
    return failures == 0 ? 0 : 1;
}
