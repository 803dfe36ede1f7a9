// conductor_example.cpp: embedding Conductor from C++ through the RAII wrapper in
// conductor.hpp.
//
//   1. loads a config file (the plugin guide's test_config.toml) and feeds it MIDI,
//   2. builds a second engine from TOML text whose mappings send MIDI out, switch modes
//      and hand host actions to the application, and drives it with push(),
//   3. loads a plugin on its own and calls it directly.
//
// Build (from the repository root, after `cargo build --release -p conductor-ffi`):
//
//   c++ -std=c++17 -Wall -Wextra -Iinclude examples/cpp/conductor_example.cpp
//       -Ltarget/release -lconductor -Wl,-rpath,$PWD/target/release
//       -o conductor_example_cpp
//
// (one command; or use `pkg-config --cflags --libs conductor` once installed).
//
// Run: ./conductor_example_cpp path/to/test_config.toml path/to/my_midi_plugin.wasm

#include <conductor.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

namespace {

// Callbacks run on library threads; one lock keeps their lines whole.
std::mutex output_lock;

void print_fired(const std::string &what, const std::vector<conductor::Fired> &fired) {
    std::lock_guard<std::mutex> guard(output_lock);
    std::cout << what << ": " << fired.size() << " mapping(s) fired\n";
    for (const conductor::Fired &f : fired) {
        std::cout << "  " << f.label << " (mode " << f.mode.value_or("global") << "): "
                  << (f.ok() ? "ok" : "failed") << "\n";
        for (const conductor::Outcome &o : f.outcomes) {
            std::cout << "    " << o.action << (o.plugin ? " " + *o.plugin : "") << ": "
                      << (o.error ? o.error->what() : "ok") << "\n";
        }
    }
}

const char *const ACTIONS_TOML = R"toml(
[[modes]]
name = "Default"

[[modes.mappings]]
description = "Pad 1"
trigger = { Note = { note = 36 } }
action = { Sequence = [
  { SendMidi = { bytes = [0x90, 48, 100] } },
  { Host = { name = "Pad", data = { pad = 1 } } },
] }

[[modes.mappings]]
description = "Switch to Edit"
trigger = { CC = { cc = 20 } }
action = { ModeChange = "Edit" }

[[modes]]
name = "Edit"

[[modes.mappings]]
description = "Save"
trigger = { Note = { note = 36 } }
action = { Keystroke = { keys = "s", modifiers = ["cmd"] } }
)toml";

}  // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::cerr << "usage: " << argv[0] << " CONFIG.toml PLUGIN.wasm\n";
        return 2;
    }
    const std::string config_path = argv[1];
    const std::string plugin_path = argv[2];
    std::cout << "conductor " << conductor::version() << " (header " << CONDUCTOR_VERSION_MAJOR << "."
              << CONDUCTOR_VERSION_MINOR << "." << CONDUCTOR_VERSION_PATCH << ")\n";

    try {
        conductor::HostConfig host_config;
        host_config.on_log([](const conductor::LogLine &line) {
            std::lock_guard<std::mutex> guard(output_lock);
            if (line.plugin) {
                std::cout << "[" << *line.plugin << "] " << line.message << "\n";
            } else if (line.level >= CONDUCTOR_LOG_WARN) {
                std::cout << "conductor: " << line.message << "\n";
            }
        });

        std::atomic<int> pushed_fired{0};
        conductor::EngineOptions options;
        options.host_config(host_config)
            .on_action([](const conductor::HostAction &action) {
                std::lock_guard<std::mutex> guard(output_lock);
                std::cout << "host action: " << action.name << " " << action.json << "\n";
            })
            .on_midi_out([](const std::vector<std::uint8_t> &bytes, std::uint64_t timestamp_us) {
                std::lock_guard<std::mutex> guard(output_lock);
                std::cout << "midi out:";
                for (std::uint8_t b : bytes) {
                    char hex[4];
                    std::snprintf(hex, sizeof hex, " %02X", b);
                    std::cout << hex;
                }
                std::cout << " (at " << timestamp_us << " us)\n";
            })
            .on_fired([&pushed_fired](const conductor::Fired &fired) {
                ++pushed_fired;
                std::lock_guard<std::mutex> guard(output_lock);
                std::cout << "pushed event fired: " << fired.label << " (" << (fired.ok() ? "ok" : "failed")
                          << ")\n";
            });

        // 1. The guide's config: middle C runs my_midi_plugin.
        std::cout << "== the guide's config: " << config_path << "\n";
        {
            conductor::Engine guide = conductor::Engine::from_file(config_path, options);
            print_fired("note 61", guide.process({0x90, 61, 100}, 0));
            print_fired("note 60", guide.process({0x90, 60, 100}, 1000));
            std::cout << "active mode: " << guide.mode() << " " << guide.mode_name() << "\n";
            guide.shutdown();
        }

        // 2. Host actions, MIDI out and mode changes, driven by process() and push().
        std::cout << "== host actions and MIDI out\n";
        conductor::Engine actions = conductor::Engine::from_toml(ACTIONS_TOML, ".", options);
        print_fired("note 36", actions.process({0x90, 36, 110}, 2000));
        if (!actions.push({0xB0, 20, 127}, 3000) || !actions.push({0x90, 36, 110}, 4000)) {
            std::cerr << "push dropped an event\n";
            return 1;
        }
        bool drained = actions.wait_idle(std::chrono::seconds(5));
        std::cout << "pushed: " << pushed_fired.load() << " mapping(s) fired, queue drained: "
                  << (drained ? "yes" : "no") << ", dropped: " << actions.dropped() << ", mode now "
                  << actions.mode_name() << "\n";

        // 3. A plugin on its own, without the mapping engine.
        std::cout << "== plugin run directly: " << plugin_path << "\n";
        conductor::PluginHost host(host_config);
        conductor::PluginOptions plugin_options;
        plugin_options.fuel = 10000000;
        plugin_options.timeout_ms = 2000;
        conductor::Plugin plugin = host.load(plugin_path, plugin_options);
        std::cout << "loaded " << plugin.name() << ", capabilities:";
        std::vector<conductor::Capability> capabilities = plugin.capabilities();
        for (conductor::Capability c : capabilities) {
            std::cout << " " << conductor::capability_name(c);
        }
        std::cout << (capabilities.empty() ? " none" : "") << "\n";
        plugin.execute(R"({"message": "Hello from C++!"})");
        std::cout << "execute: ok\n";
        try {
            plugin.execute(R"({"msg": 1})");
        } catch (const conductor::Error &e) {
            // The guide's plugin returns 1 when its params do not parse.
            std::cout << "execute with bad params: " << e.kind_name() << ", code "
                      << e.plugin_code().value_or(0) << ": " << e.what() << "\n";
        }
        plugin.shutdown();
        std::cout << "done\n";
        return 0;
    } catch (const conductor::Error &e) {
        std::cerr << "conductor error (" << e.kind_name() << "): " << e.what() << "\n";
        return 1;
    }
}
