/*
 * conductor.hpp: a header-only C++17 wrapper over the C API in conductor.h.
 *
 * RAII handles (move-only, freed in their destructors), std::string and std::vector
 * instead of pointer/length pairs, std::function callbacks, and errors thrown as
 * conductor::Error (a std::runtime_error carrying the error kind and plugin code).
 *
 *     conductor::HostConfig host;
 *     host.on_log([](const conductor::LogLine &line) { std::cerr << line.message << "\n"; });
 *     conductor::EngineOptions options;
 *     options.host_config(host).on_action([](const conductor::HostAction &a) { ... });
 *     auto engine = conductor::Engine::from_file("config.toml", options);
 *     for (const auto &fired : engine.process({0x90, 60, 100})) { ... }
 *
 * Link with -lconductor exactly as for the C API. Thread safety is that of the C
 * functions each method calls (see conductor.h); callbacks run on library threads, so
 * they must be thread-safe. A callback may call any method of the engine that invoked
 * it (wait_idle() throws there, shutdown() is deferred) but must not destroy it.
 * Exceptions thrown by a callback are caught at the C boundary (an approval callback
 * that throws refuses the capability).
 */

#ifndef CONDUCTOR_HPP
#define CONDUCTOR_HPP

#include "conductor.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conductor {

/** A capability a plugin declares. */
enum class Capability : conductor_capability_t {
    Network = CONDUCTOR_CAPABILITY_NETWORK,
    Audio = CONDUCTOR_CAPABILITY_AUDIO,
    Midi = CONDUCTOR_CAPABILITY_MIDI,
    Filesystem = CONDUCTOR_CAPABILITY_FILESYSTEM,
    Subprocess = CONDUCTOR_CAPABILITY_SUBPROCESS,
    SystemControl = CONDUCTOR_CAPABILITY_SYSTEM_CONTROL,
};

/** The capability's name as plugins declare it ("Network", "Filesystem", ...). */
inline std::string capability_name(Capability capability) {
    const char *name = conductor_capability_name(static_cast<conductor_capability_t>(capability));
    return name ? name : "";
}

/** The library's version, "MAJOR.MINOR.PATCH". */
inline std::string version() { return conductor_version(); }

/**
 * An error from the library: what() is the message (it names the problem and the
 * fix), kind() the conductor_status_t, plugin_code() the plugin's return code for
 * CONDUCTOR_ERROR_PLUGIN_RETURNED, config_path(), line() and column() where a config
 * error is, and plugin() the plugin an error is about.
 */
class Error : public std::runtime_error {
public:
    Error(conductor_status_t kind, const std::string &message, std::optional<std::int32_t> plugin_code)
        : std::runtime_error(message), kind_(kind), plugin_code_(plugin_code) {}

    /** Copies a C error (borrowed or owned; it is not freed). */
    static Error copy(const conductor_error_t *error, conductor_status_t fallback = CONDUCTOR_ERROR_INTERNAL) {
        if (error == nullptr) {
            return Error(fallback, std::string("conductor call failed: ") + conductor_status_name(fallback),
                         std::nullopt);
        }
        std::size_t len = 0;
        const char *message = conductor_error_message(error, &len);
        std::int32_t code = 0;
        std::optional<std::int32_t> plugin_code;
        if (conductor_error_plugin_code(error, &code)) {
            plugin_code = code;
        }
        Error copied(conductor_error_kind(error), std::string(message, len), plugin_code);
        if (const char *path = conductor_error_config_path(error)) {
            copied.config_path_ = path;
        }
        std::size_t line = 0;
        std::size_t column = 0;
        if (conductor_error_location(error, &line, &column)) {
            copied.line_ = line;
            if (column > 0) {
                copied.column_ = column;
            }
        }
        if (const char *plugin = conductor_error_plugin(error)) {
            copied.plugin_ = plugin;
        }
        return copied;
    }

    /** The kind of error. */
    conductor_status_t kind() const noexcept { return kind_; }
    /** The kind's short name ("config", "plugin_returned", ...). */
    const char *kind_name() const noexcept { return conductor_status_name(kind_); }
    /** The plugin's non-zero return code, for CONDUCTOR_ERROR_PLUGIN_RETURNED. */
    std::optional<std::int32_t> plugin_code() const noexcept { return plugin_code_; }
    /** The config file a CONDUCTOR_ERROR_CONFIG is in, when the config came from one. */
    const std::optional<std::string> &config_path() const noexcept { return config_path_; }
    /** The 1-based line of a CONDUCTOR_ERROR_CONFIG, when known. */
    std::optional<std::size_t> line() const noexcept { return line_; }
    /** The 1-based column of a CONDUCTOR_ERROR_CONFIG, when known. */
    std::optional<std::size_t> column() const noexcept { return column_; }
    /** The plugin the error is about (load, signature, capability and call errors). */
    const std::optional<std::string> &plugin() const noexcept { return plugin_; }

private:
    conductor_status_t kind_;
    std::optional<std::int32_t> plugin_code_;
    std::optional<std::string> config_path_;
    std::optional<std::size_t> line_;
    std::optional<std::size_t> column_;
    std::optional<std::string> plugin_;
};

namespace detail {

/** Calls a fallible C function `f(conductor_error_t **)` and throws its error. */
template <class F>
void call(F &&f) {
    conductor_error_t *error = nullptr;
    conductor_status_t status = f(&error);
    if (status != CONDUCTOR_OK) {
        Error e = Error::copy(error, status);
        conductor_error_delete(error);
        throw e;
    }
}

/** Takes a caller-owned C string, copies it, frees it. */
inline std::string take_string(char *s) {
    std::string copy = s ? s : "";
    conductor_string_delete(s);
    return copy;
}

inline std::optional<std::string> optional_string(const char *s) {
    return s ? std::optional<std::string>(s) : std::nullopt;
}

template <class T, void (*Delete)(T *)>
struct Deleter {
    void operator()(T *p) const noexcept { Delete(p); }
};

template <class T, void (*Delete)(T *)>
using Handle = std::unique_ptr<T, Deleter<T, Delete>>;

/**
 * The finalizer for `user_data` made with `new T`: the library calls it once it no
 * longer uses the callback (see `conductor_finalizer_t`), so callback state lives
 * exactly as long as the C objects that hold it.
 */
template <class T>
void destroy(void *user_data) noexcept {
    delete static_cast<T *>(user_data);
}

}  // namespace detail

/** One log line: host messages and plugin output. Strings are valid during the callback. */
struct LogLine {
    conductor_log_level_t level;
    conductor_log_source_t source;
    /** The plugin's name, or nothing for host lines. */
    std::optional<std::string_view> plugin;
    std::string_view message;
};

/** Receives log lines; called from library threads. */
using LogCallback = std::function<void(const LogLine &)>;

/** Settings shared by every plugin of a host: cache and data folders, log callback. */
class HostConfig {
public:
    HostConfig() : raw_(conductor_host_config_new()) {
        if (!raw_) {
            throw Error(CONDUCTOR_ERROR_INTERNAL, "conductor_host_config_new failed", std::nullopt);
        }
    }

    /** Where compiled plugins are cached; nothing disables the disk cache. */
    HostConfig &cache_dir(std::optional<std::string_view> path) {
        detail::call([&](conductor_error_t **e) {
            return conductor_host_config_set_cache_dir(raw_.get(), path ? path->data() : nullptr,
                                                       path ? path->size() : 0, e);
        });
        return *this;
    }

    /** Root of the plugins' data folders; nothing means none. */
    HostConfig &data_root(std::optional<std::string_view> path) {
        detail::call([&](conductor_error_t **e) {
            return conductor_host_config_set_data_root(raw_.get(), path ? path->data() : nullptr,
                                                       path ? path->size() : 0, e);
        });
        return *this;
    }

    /** Sends log lines to `callback` (an empty function restores stderr). */
    HostConfig &on_log(LogCallback callback) {
        if (!callback) {
            detail::call([&](conductor_error_t **e) {
                return conductor_host_config_set_log_callback(raw_.get(), nullptr, nullptr, nullptr, e);
            });
            return *this;
        }
        // Owned by the library from here: its finalizer deletes it when this config and
        // every host, plugin and engine made from it are gone (also if the call fails).
        auto *state = new LogCallback(std::move(callback));
        detail::call([&](conductor_error_t **e) {
            return conductor_host_config_set_log_callback(raw_.get(), &HostConfig::trampoline, state,
                                                          &detail::destroy<LogCallback>, e);
        });
        return *this;
    }

    /** The C config (owned by this object). */
    const conductor_host_config_t *get() const noexcept { return raw_.get(); }

private:
    static void trampoline(void *user_data, conductor_log_level_t level, conductor_log_source_t source,
                           const char *plugin, const char *message) {
        try {
            LogLine line{level, source,
                         plugin ? std::optional<std::string_view>(plugin) : std::nullopt,
                         std::string_view(message)};
            (*static_cast<LogCallback *>(user_data))(line);
        } catch (...) {
            // A log line is not worth unwinding into C for.
        }
    }

    detail::Handle<conductor_host_config_t, conductor_host_config_delete> raw_;
};

/** How to load one plugin; unset fields keep the library's defaults. */
struct PluginOptions {
    std::optional<std::uint64_t> fuel;
    std::optional<std::uint64_t> memory_bytes;
    std::optional<std::uint64_t> timeout_ms;
    std::optional<std::size_t> output_bytes_per_call;
    std::vector<Capability> grants;
    std::optional<std::string> data_dir;
    std::optional<std::string> name;
};

/** A loaded plugin, called directly. Move-only; the destructor unloads it. */
class Plugin {
public:
    /** Calls the plugin's execute with JSON params. */
    void execute(std::string_view params) {
        detail::call([&](conductor_error_t **e) {
            return conductor_plugin_execute(raw_.get(), reinterpret_cast<const std::uint8_t *>(params.data()),
                                            params.size(), e);
        });
    }

    /** Calls execute_with_context with JSON params and context. */
    void execute_with_context(std::string_view params, std::string_view context) {
        detail::call([&](conductor_error_t **e) {
            return conductor_plugin_execute_with_context(
                raw_.get(), reinterpret_cast<const std::uint8_t *>(params.data()), params.size(),
                reinterpret_cast<const std::uint8_t *>(context.data()), context.size(), e);
        });
    }

    /** The capabilities the plugin declared, in declaration order. */
    std::vector<Capability> capabilities() const {
        std::uint32_t mask = 0;
        detail::call([&](conductor_error_t **e) { return conductor_plugin_capabilities(raw_.get(), &mask, e); });
        std::vector<Capability> out;
        for (conductor_capability_t c = CONDUCTOR_CAPABILITY_NETWORK; c <= CONDUCTOR_CAPABILITY_SYSTEM_CONTROL; ++c) {
            if (mask & (1u << c)) {
                out.push_back(static_cast<Capability>(c));
            }
        }
        return out;
    }

    /** The plugin's name. */
    std::string name() const {
        char *name = nullptr;
        detail::call([&](conductor_error_t **e) { return conductor_plugin_name(raw_.get(), &name, e); });
        return detail::take_string(name);
    }

    /** Calls the plugin's shutdown once; later calls do nothing. */
    void shutdown() {
        detail::call([&](conductor_error_t **e) { return conductor_plugin_shutdown(raw_.get(), e); });
    }

    /** The C plugin (owned by this object). */
    conductor_plugin_t *get() const noexcept { return raw_.get(); }

private:
    friend class PluginHost;
    explicit Plugin(conductor_plugin_t *raw) : raw_(raw) {}

    detail::Handle<conductor_plugin_t, conductor_plugin_delete> raw_;
};

/** The sandbox plugins run in. Copies share one host. */
class PluginHost {
public:
    explicit PluginHost(const HostConfig &config = HostConfig()) {
        conductor_plugin_host_t *raw = nullptr;
        detail::call([&](conductor_error_t **e) { return conductor_plugin_host_new(config.get(), &raw, e); });
        raw_.reset(raw, conductor_plugin_host_delete);
    }

    /** Loads a plugin; throws conductor::Error (kind PLUGIN_LOAD, CAPABILITY_DENIED...). */
    Plugin load(std::string_view path, const PluginOptions &options = PluginOptions()) const {
        detail::Handle<conductor_plugin_options_t, conductor_plugin_options_delete> opts(
            conductor_plugin_options_new());
        auto set = [&](auto f) { detail::call(f); };
        if (options.fuel) {
            set([&](conductor_error_t **e) { return conductor_plugin_options_set_fuel(opts.get(), *options.fuel, e); });
        }
        if (options.memory_bytes) {
            set([&](conductor_error_t **e) {
                return conductor_plugin_options_set_memory_bytes(opts.get(), *options.memory_bytes, e);
            });
        }
        if (options.timeout_ms) {
            set([&](conductor_error_t **e) {
                return conductor_plugin_options_set_timeout_ms(opts.get(), *options.timeout_ms, e);
            });
        }
        if (options.output_bytes_per_call) {
            set([&](conductor_error_t **e) {
                return conductor_plugin_options_set_output_bytes_per_call(opts.get(), *options.output_bytes_per_call, e);
            });
        }
        for (Capability c : options.grants) {
            set([&](conductor_error_t **e) {
                return conductor_plugin_options_grant(opts.get(), static_cast<conductor_capability_t>(c), e);
            });
        }
        if (options.data_dir) {
            set([&](conductor_error_t **e) {
                return conductor_plugin_options_set_data_dir(opts.get(), options.data_dir->data(),
                                                             options.data_dir->size(), e);
            });
        }
        if (options.name) {
            set([&](conductor_error_t **e) {
                return conductor_plugin_options_set_name(opts.get(), options.name->data(), options.name->size(), e);
            });
        }
        conductor_plugin_t *plugin = nullptr;
        detail::call([&](conductor_error_t **e) {
            return conductor_plugin_host_load(raw_.get(), path.data(), path.size(), opts.get(), &plugin, e);
        });
        return Plugin(plugin);
    }

    /** The C host (shared by the copies of this object). */
    const conductor_plugin_host_t *get() const noexcept { return raw_.get(); }

private:
    std::shared_ptr<conductor_plugin_host_t> raw_;
};

/** How one action went. */
struct Outcome {
    /** "WasmPlugin", "SendMidi", "ModeChange", or a host action's name. */
    std::string action;
    /** The plugin's name, for plugin actions. */
    std::optional<std::string> plugin;
    /** What went wrong, if anything. */
    std::optional<Error> error;
    std::uint64_t elapsed_us = 0;

    bool ok() const noexcept { return !error.has_value(); }
};

/**
 * A mapping that fired, with one outcome per action it ran. From process() and tick(),
 * a chain that reaches a Delay is reported in parts: the steps so far with `pending`
 * set, then the later steps (from the process() or tick() call whose time reaches
 * them) with `resumed` set.
 */
struct Fired {
    std::string label;
    std::optional<std::string> description;
    /** The mapping's mode; nothing for a global mapping. */
    std::optional<std::string> mode;
    /** 1-based line in the config; 0 when unknown. */
    std::size_t line = 0;
    /** What triggered it, as the JSON plugins receive. */
    std::string context_json;
    std::vector<Outcome> outcomes;
    /** The chain waits on a Delay; a later process() or tick() reports the rest. */
    bool pending = false;
    /** These are later steps of a chain reported earlier with `pending` set. */
    bool resumed = false;

    bool ok() const noexcept {
        for (const Outcome &o : outcomes) {
            if (!o.ok()) {
                return false;
            }
        }
        return true;
    }

    /** Copies a C fired mapping. */
    static Fired copy(const conductor_fired_t *fired) {
        Fired f;
        f.label = conductor_fired_label(fired);
        f.description = detail::optional_string(conductor_fired_description(fired));
        f.mode = detail::optional_string(conductor_fired_mode(fired));
        f.line = conductor_fired_line(fired);
        f.context_json = conductor_fired_context_json(fired);
        f.pending = conductor_fired_pending(fired);
        f.resumed = conductor_fired_resumed(fired);
        for (std::size_t i = 0; i < conductor_fired_outcome_count(fired); ++i) {
            const conductor_outcome_t *o = conductor_fired_outcome(fired, i);
            Outcome outcome;
            outcome.action = conductor_outcome_action(o);
            outcome.plugin = detail::optional_string(conductor_outcome_plugin(o));
            if (const conductor_error_t *e = conductor_outcome_error(o)) {
                outcome.error = Error::copy(e);
            }
            outcome.elapsed_us = conductor_outcome_elapsed_us(o);
            f.outcomes.push_back(std::move(outcome));
        }
        return f;
    }

    /** Copies and frees a C fired list. */
    static std::vector<Fired> take_list(conductor_fired_list_t *list) {
        detail::Handle<conductor_fired_list_t, conductor_fired_list_delete> owned(list);
        std::vector<Fired> out;
        for (std::size_t i = 0; i < conductor_fired_list_len(list); ++i) {
            out.push_back(copy(conductor_fired_list_get(list, i)));
        }
        return out;
    }
};

/** A host action for the application to perform. */
struct HostAction {
    /** "Keystroke", or a Host action's name. */
    std::string name;
    /** {"action": name, ...fields..., "context": {...}} */
    std::string json;
};

/** A plugin asks for a capability the config did not grant. */
struct ApprovalRequest {
    std::string plugin;
    std::string path;
    Capability capability;
};

/**
 * How to build an engine beyond its config. Setters return *this for chaining. Host
 * settings, grants and names are copied into the options when set (a temporary
 * HostConfig is fine); callbacks are copied into each engine built from them.
 * Move-only; not for use by several threads at once.
 */
class EngineOptions {
public:
    EngineOptions() : raw_(conductor_engine_options_new()) {
        if (!raw_) {
            throw Error(CONDUCTOR_ERROR_INTERNAL, "conductor_engine_options_new failed", std::nullopt);
        }
    }

    /** Use these host settings (log callback, folders) for the engine's own host. */
    EngineOptions &host_config(const HostConfig &config) {
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_options_set_host_config(raw_.get(), config.get(), e);
        });
        return *this;
    }
    /** Run plugins on an existing, shared host. */
    EngineOptions &host(const PluginHost &host) {
        detail::call([&](conductor_error_t **e) { return conductor_engine_options_set_host(raw_.get(), host.get(), e); });
        return *this;
    }
    /** Approve a capability for every plugin. */
    EngineOptions &grant(Capability capability) {
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_options_grant(raw_.get(), static_cast<conductor_capability_t>(capability), e);
        });
        return *this;
    }
    /** Approve a capability for one plugin, by name. */
    EngineOptions &grant(std::string_view plugin, Capability capability) {
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_options_grant_plugin(raw_.get(), plugin.data(), plugin.size(),
                                                         static_cast<conductor_capability_t>(capability), e);
        });
        return *this;
    }
    /** Size of the push queue; 0 means the config's setting. */
    EngineOptions &queue_capacity(std::size_t capacity) {
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_options_set_queue_capacity(raw_.get(), capacity, e);
        });
        return *this;
    }
    /** Port name reported in trigger contexts. */
    EngineOptions &port_name(std::string_view name) {
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_options_set_port_name(raw_.get(), name.data(), name.size(), e);
        });
        return *this;
    }
    EngineOptions &on_action(std::function<void(const HostAction &)> callback) {
        callbacks_.action = std::move(callback);
        return *this;
    }
    /**
     * MIDI to send, with the time it belongs to (the triggering event's timestamp plus
     * the delays its chain has passed, on the clock of the timestamps given to push()
     * and process()).
     */
    EngineOptions &on_midi_out(std::function<void(const std::vector<std::uint8_t> &, std::uint64_t)> callback) {
        callbacks_.midi_out = std::move(callback);
        return *this;
    }
    EngineOptions &approve(std::function<bool(const ApprovalRequest &)> callback) {
        callbacks_.approve = std::move(callback);
        return *this;
    }
    EngineOptions &on_fired(std::function<void(const Fired &)> callback) {
        callbacks_.fired = std::move(callback);
        return *this;
    }

private:
    friend class Engine;

    using ActionFn = std::function<void(const HostAction &)>;
    using MidiOutFn = std::function<void(const std::vector<std::uint8_t> &, std::uint64_t)>;
    using ApproveFn = std::function<bool(const ApprovalRequest &)>;
    using FiredFn = std::function<void(const Fired &)>;

    struct Callbacks {
        ActionFn action;
        MidiOutFn midi_out;
        ApproveFn approve;
        FiredFn fired;
    };

    static void call_action(void *self, const char *name, const char *json) {
        try {
            (*static_cast<ActionFn *>(self))(HostAction{name, json});
        } catch (...) {
        }
    }
    static void call_midi_out(void *self, const std::uint8_t *bytes, std::size_t len, std::uint64_t timestamp_us) {
        try {
            (*static_cast<MidiOutFn *>(self))(std::vector<std::uint8_t>(bytes, bytes + len), timestamp_us);
        } catch (...) {
        }
    }
    static bool call_approve(void *self, const char *plugin, const char *path, conductor_capability_t c) {
        try {
            return (*static_cast<ApproveFn *>(self))(ApprovalRequest{plugin, path, static_cast<Capability>(c)});
        } catch (...) {
            return false;
        }
    }
    static void call_fired(void *self, const conductor_fired_t *fired) {
        try {
            (*static_cast<FiredFn *>(self))(Fired::copy(fired));
        } catch (...) {
        }
    }

    /**
     * Sets one C callback to a heap copy of `fn` that the library owns: its finalizer
     * deletes the copy once the options and every engine built from them are gone (or
     * at once if the setter fails). An empty `fn` clears the callback.
     */
    template <class Fn, class Trampoline, class Setter>
    static void install(const Fn &fn, Trampoline trampoline, Setter setter) {
        if (!fn) {
            detail::call([&](conductor_error_t **e) { return setter(nullptr, nullptr, nullptr, e); });
            return;
        }
        auto *copy = new Fn(fn);
        detail::call([&](conductor_error_t **e) { return setter(trampoline, copy, &detail::destroy<Fn>, e); });
    }

    /**
     * Points the C options' callbacks at fresh copies of ours for the engine about to
     * be built (the engine copies the options, so earlier engines keep theirs).
     */
    conductor_engine_options_t *build() const {
        conductor_engine_options_t *o = raw_.get();
        install(callbacks_.action, &EngineOptions::call_action,
                [o](auto f, void *d, conductor_finalizer_t fin, conductor_error_t **e) {
                    return conductor_engine_options_set_action_callback(o, f, d, fin, e);
                });
        install(callbacks_.midi_out, &EngineOptions::call_midi_out,
                [o](auto f, void *d, conductor_finalizer_t fin, conductor_error_t **e) {
                    return conductor_engine_options_set_midi_out_callback(o, f, d, fin, e);
                });
        install(callbacks_.approve, &EngineOptions::call_approve,
                [o](auto f, void *d, conductor_finalizer_t fin, conductor_error_t **e) {
                    return conductor_engine_options_set_approval_callback(o, f, d, fin, e);
                });
        install(callbacks_.fired, &EngineOptions::call_fired,
                [o](auto f, void *d, conductor_finalizer_t fin, conductor_error_t **e) {
                    return conductor_engine_options_set_fired_callback(o, f, d, fin, e);
                });
        return o;
    }

    detail::Handle<conductor_engine_options_t, conductor_engine_options_delete> raw_;
    Callbacks callbacks_;
};

/**
 * A running engine. Move-only; the destructor shuts it down and frees it. The options
 * it was built from (and the HostConfig or PluginHost they name) need not outlive it.
 * Its callbacks may call its methods, but must not destroy it: call shutdown() there
 * (deferred) and destroy the engine on another thread.
 */
class Engine {
public:
    /** Loads a config file and its plugins. Throws conductor::Error. */
    static Engine from_file(std::string_view path, const EngineOptions &options = EngineOptions()) {
        Engine engine;
        conductor_engine_options_t *raw = options.build();
        conductor_engine_t *e = nullptr;
        detail::call([&](conductor_error_t **err) {
            return conductor_engine_new_from_file(path.data(), path.size(), raw, &e, err);
        });
        engine.raw_.reset(e);
        return engine;
    }

    /** Builds an engine from config text; relative paths resolve against base_dir. */
    static Engine from_toml(std::string_view toml, std::string_view base_dir = ".",
                            const EngineOptions &options = EngineOptions()) {
        Engine engine;
        conductor_engine_options_t *raw = options.build();
        conductor_engine_t *e = nullptr;
        detail::call([&](conductor_error_t **err) {
            return conductor_engine_new_from_toml(toml.data(), toml.size(), base_dir.data(), base_dir.size(), raw,
                                                  &e, err);
        });
        engine.raw_.reset(e);
        return engine;
    }

    /**
     * Runs the mappings `bytes` fire on this thread, in event time; returns what fired.
     * Steps after a Delay run in the process() or tick() call whose timestamp reaches
     * them (see next_due()).
     */
    std::vector<Fired> process(const std::uint8_t *bytes, std::size_t len, std::uint64_t timestamp_us = 0) {
        conductor_fired_list_t *list = nullptr;
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_process(raw_.get(), bytes, len, timestamp_us, &list, e);
        });
        return Fired::take_list(list);
    }
    std::vector<Fired> process(std::initializer_list<std::uint8_t> bytes, std::uint64_t timestamp_us = 0) {
        return process(bytes.begin(), bytes.size(), timestamp_us);
    }

    /** Advances process() time: runs delayed steps now due and fires long presses. */
    std::vector<Fired> tick(std::uint64_t now_us) {
        conductor_fired_list_t *list = nullptr;
        detail::call([&](conductor_error_t **e) { return conductor_engine_tick(raw_.get(), now_us, &list, e); });
        return Fired::take_list(list);
    }

    /** Queues one message for the engine thread. Real-time safe; false when dropped. */
    bool push(const std::uint8_t *bytes, std::size_t len, std::uint64_t timestamp_us = 0) noexcept {
        return conductor_engine_push(raw_.get(), bytes, len, timestamp_us);
    }
    bool push(std::initializer_list<std::uint8_t> bytes, std::uint64_t timestamp_us = 0) noexcept {
        return push(bytes.begin(), bytes.size(), timestamp_us);
    }

    /**
     * Opens a MIDI input (an index "0", "1"... or part of a port name; none: the
     * config's [device] port) feeding the engine thread; open until shutdown. Returns
     * the port's name. Throws conductor::Error (CONDUCTOR_ERROR_MIDI: no such port).
     */
    std::string open_input(std::optional<std::string_view> port = std::nullopt) {
        char *name = nullptr;
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_open_input(raw_.get(), port ? port->data() : nullptr, port ? port->size() : 0,
                                               &name, e);
        });
        return detail::take_string(name);
    }

    /** Pushed events dropped so far. */
    std::uint64_t dropped() const noexcept { return conductor_engine_dropped(raw_.get()); }

    /** Plugin calls refused so far (a plugin's mailbox was full, or it was unloaded). */
    std::uint64_t refused_plugin_calls() const noexcept {
        return conductor_engine_refused_plugin_calls(raw_.get());
    }

    /** When the earliest step delayed by process() is due; nothing when none waits. */
    std::optional<std::uint64_t> next_due() const noexcept {
        std::uint64_t due = 0;
        if (conductor_engine_next_due(raw_.get(), &due)) {
            return due;
        }
        return std::nullopt;
    }

    /**
     * Waits until pushed events are handled (with the delays and plugin calls of their
     * chains); false on timeout. Throws conductor::Error (INVALID_ARGUMENT) from the
     * engine's own callbacks.
     */
    bool wait_idle(std::chrono::milliseconds timeout) {
        bool drained = false;
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_wait_idle(raw_.get(), static_cast<std::uint64_t>(timeout.count()), &drained, e);
        });
        return drained;
    }

    /** Index of the active mode. */
    std::size_t mode() const {
        std::size_t index = 0;
        detail::call([&](conductor_error_t **e) { return conductor_engine_mode(raw_.get(), &index, e); });
        return index;
    }

    /** Name of the active mode. */
    std::string mode_name() const {
        char *name = nullptr;
        detail::call([&](conductor_error_t **e) { return conductor_engine_mode_name(raw_.get(), &name, e); });
        return detail::take_string(name);
    }

    void set_mode(std::string_view name) {
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_set_mode(raw_.get(), name.data(), name.size(), e);
        });
    }
    void set_mode(std::size_t index) {
        detail::call([&](conductor_error_t **e) { return conductor_engine_set_mode_index(raw_.get(), index, e); });
    }

    /** Swaps in a new config; the old one keeps running if this throws. */
    void reload_file(std::string_view path) {
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_reload_file(raw_.get(), path.data(), path.size(), e);
        });
    }
    void reload_toml(std::string_view toml, std::string_view base_dir = ".") {
        detail::call([&](conductor_error_t **e) {
            return conductor_engine_reload_toml(raw_.get(), toml.data(), toml.size(), base_dir.data(),
                                                base_dir.size(), e);
        });
    }

    /**
     * Stops the engine's threads and shuts plugins down; later calls do nothing. From
     * one of the engine's callbacks it is deferred: it returns at once and the threads
     * stop after the callback returns.
     */
    void shutdown() {
        detail::call([&](conductor_error_t **e) { return conductor_engine_shutdown(raw_.get(), e); });
    }

    /** The C engine (owned by this object). */
    conductor_engine_t *get() const noexcept { return raw_.get(); }

private:
    Engine() = default;

    detail::Handle<conductor_engine_t, conductor_engine_delete> raw_;
};

}  // namespace conductor

#endif /* CONDUCTOR_HPP */
