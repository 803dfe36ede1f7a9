//! velocity-zig: turns how hard a key is struck into a Control Change, written in Zig.
//! The same plugin as examples/plugins-c/velocity-c, to show the ABI from Zig.
//!
//! With a trigger context (a mapping fired by a note), the note's velocity (0-127) is
//! scaled into [min, max] and sent as CC `cc` on the trigger's channel (or `channel`
//! from the params). Without a context, `value` from the params is sent as is.
//!
//! Params (all optional except `value` without a context):
//!   {"cc": 7, "min": 0, "max": 127, "channel": 0, "value": 64}
//!
//! Build: scripts/build-plugins.sh zig, which runs
//!   zig build-exe velocity_zig.zig -target wasm32-wasi -fno-entry -rdynamic -O ReleaseSmall
//! with the Zig compiler of the `ziglang` Python package.
const std = @import("std");

// ---------------------------------------------------------------------------------
// The host functions this plugin uses (docs/plugin-abi.md, "Host functions").

extern "conductor" fn log(level: i32, ptr: [*]const u8, len: i32) i32;
extern "conductor" fn result_len() i32;
extern "conductor" fn result_read(ptr: [*]u8, len: i32) i32;
extern "conductor" fn midi_send(ptr: [*]const u8, len: i32) i32;

const DEBUG: i32 = 0;
const INFO: i32 = 1;
const ERROR: i32 = 3;

fn logf(level: i32, comptime format: []const u8, args: anytype) void {
    var line: [512]u8 = undefined;
    const text = std.fmt.bufPrint(&line, format, args) catch line[0..];
    _ = log(level, text.ptr, @intCast(text.len));
}

// ---------------------------------------------------------------------------------
// Exports the host looks for.

/// The capabilities, as a NUL-terminated JSON array.
export fn capabilities() [*:0]const u8 {
    return "[\"Midi\"]";
}

const allocator = std.heap.wasm_allocator;

/// Where the host places params and context.
export fn alloc(len: i32) ?[*]u8 {
    const bytes = allocator.alloc(u8, @intCast(@max(len, 1))) catch return null;
    return bytes.ptr;
}

/// Frees what `alloc` returned.
export fn dealloc(ptr: [*]u8, len: i32) void {
    allocator.free(ptr[0..@intCast(@max(len, 1))]);
}

/// Calls served by this instance: guest state lives as long as the instance.
var calls: u32 = 0;

export fn execute_with_context(params_ptr: [*]const u8, params_len: i32, ctx_ptr: [*]const u8, ctx_len: i32) i32 {
    calls += 1;
    const params = params_ptr[0..@intCast(params_len)];
    const ctx = ctx_ptr[0..@intCast(ctx_len)];
    const cc = param(params, "cc", 0, 127, 1) orelse return 2;
    const lo = param(params, "min", 0, 127, 0) orelse return 2;
    const hi = param(params, "max", 0, 127, 127) orelse return 2;
    const velocity = jsonInt(ctx, "velocity") orelse {
        logf(ERROR, "the trigger has no velocity: map velocity-zig to a Note trigger", .{});
        return 2;
    };
    const ctx_channel = (jsonInt(ctx, "channel") orelse 0) & 0x0F;
    const channel = param(params, "channel", 0, 15, ctx_channel) orelse return 2;
    const value = lo + @divTrunc(velocity * (hi - lo), 127);
    logf(DEBUG, "velocity {d} scaled into [{d}, {d}]", .{ velocity, lo, hi });
    return sendCc(channel, cc, value);
}

export fn execute(params_ptr: [*]const u8, params_len: i32) i32 {
    calls += 1;
    const params = params_ptr[0..@intCast(params_len)];
    const cc = param(params, "cc", 0, 127, 1) orelse return 2;
    const channel = param(params, "channel", 0, 15, 0) orelse return 2;
    const value = param(params, "value", 0, 127, -1) orelse return 2;
    if (value < 0) {
        logf(ERROR, "without a trigger context velocity-zig needs a `value` param (0-127)", .{});
        return 2;
    }
    return sendCc(channel, cc, value);
}

/// Sends CC `cc` = `value` on `channel`; logs what it did or why it could not.
fn sendCc(channel: i64, cc: i64, value: i64) i32 {
    const message = [3]u8{ 0xB0 | @as(u8, @intCast(channel)), @intCast(cc), @intCast(value) };
    const code = midi_send(&message, message.len);
    if (code < 0) {
        var why: [256]u8 = undefined;
        const n = result_read(&why, why.len);
        const text = why[0..@intCast(@max(n, 0))];
        logf(ERROR, "cannot send CC {d} = {d}: {s} (code {d})", .{ cc, value, text, code });
        return 3;
    }
    logf(INFO, "call {d}: CC {d} = {d} on channel {d}", .{ calls, cc, value, channel + 1 });
    return 0;
}

/// An integer param in [lo, hi], `fallback` when absent; null (after logging the
/// problem) when it is present but not such a number.
fn param(params: []const u8, key: []const u8, lo: i64, hi: i64, fallback: i64) ?i64 {
    const raw = jsonFind(params, key) orelse return fallback;
    const value = std.fmt.parseInt(i64, raw, 10) catch null;
    if (value == null or value.? < lo or value.? > hi) {
        logf(ERROR, "param `{s}` must be a whole number from {d} to {d}, got {s}", .{ key, lo, hi, raw });
        return null;
    }
    return value.?;
}

fn jsonInt(json: []const u8, key: []const u8) ?i64 {
    const raw = jsonFind(json, key) orelse return null;
    return std.fmt.parseInt(i64, raw, 10) catch null;
}

// ---------------------------------------------------------------------------------
// Enough JSON to read a field of a flat object: the raw text of the value of `key` in
// the top-level object (nested values and strings are skipped whole).

fn skipWs(s: []const u8, start: usize) usize {
    var i = start;
    while (i < s.len and (s[i] == ' ' or s[i] == '\t' or s[i] == '\n' or s[i] == '\r')) i += 1;
    return i;
}

/// `i` at an opening quote: the index after the closing one.
fn skipString(s: []const u8, start: usize) ?usize {
    var i = start + 1;
    while (i < s.len) : (i += 1) {
        if (s[i] == '\\') {
            i += 1;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return null;
}

fn skipValue(s: []const u8, start: usize) ?usize {
    if (start >= s.len) return null;
    if (s[start] == '"') return skipString(s, start);
    var i = start;
    if (s[i] == '{' or s[i] == '[') {
        var depth: usize = 0;
        while (i < s.len) {
            switch (s[i]) {
                '"' => {
                    i = skipString(s, i) orelse return null;
                    continue;
                },
                '{', '[' => depth += 1,
                '}', ']' => {
                    depth -= 1;
                    if (depth == 0) return i + 1;
                },
                else => {},
            }
            i += 1;
        }
        return null;
    }
    while (i < s.len and std.mem.indexOfScalar(u8, ",}] \t\r\n", s[i]) == null) i += 1;
    return i;
}

fn jsonFind(s: []const u8, key: []const u8) ?[]const u8 {
    var i = skipWs(s, 0);
    if (i >= s.len or s[i] != '{') return null;
    i += 1;
    while (true) {
        i = skipWs(s, i);
        if (i >= s.len or s[i] != '"') return null;
        const name_end = skipString(s, i) orelse return null;
        const name = s[i + 1 .. name_end - 1];
        i = skipWs(s, name_end);
        if (i >= s.len or s[i] != ':') return null;
        i = skipWs(s, i + 1);
        const value_end = skipValue(s, i) orelse return null;
        if (std.mem.eql(u8, name, key)) return s[i..value_end];
        i = skipWs(s, value_end);
        if (i >= s.len or s[i] != ',') return null;
        i += 1;
    }
}
