/*
 * velocity-c: turns how hard a key is struck into a Control Change, written in C.
 *
 * With a trigger context (a mapping fired by a note), the note's velocity (0-127) is
 * scaled into [min, max] and sent as CC `cc` on the trigger's channel (or `channel`
 * from the params). Without a context, `value` from the params is sent as is.
 *
 * Params (all optional except `value` without a context):
 *   {"cc": 7, "min": 0, "max": 127, "channel": 0, "value": 64}
 *
 * Build: scripts/build-plugins.sh c   (or the clang line in conductor_plugin.h)
 */
#include "conductor_plugin.h"

CONDUCTOR_CAPABILITIES("[\"Midi\"]")
CONDUCTOR_ALLOCATOR

/* Calls served by this instance: guest state lives as long as the instance. */
static unsigned calls;

/* Reads an integer param in [lo, hi], `fallback` when absent. Returns 0 and logs the
 * problem when it is present but not such a number. */
static int param(const char *params, int32_t len, const char *key, long long lo,
                 long long hi, long long fallback, long long *out) {
    const char *raw;
    size_t raw_len;
    if (!conductor_json_find(params, (size_t)len, key, &raw, &raw_len)) {
        *out = fallback;
        return 1;
    }
    if (!conductor_json_int(params, (size_t)len, key, out) || *out < lo || *out > hi) {
        conductor_logf(CONDUCTOR_LOG_ERROR, "param `%s` must be a whole number from %lld to %lld, got %.*s",
                       key, lo, hi, (int)raw_len, raw);
        return 0;
    }
    return 1;
}

/* Sends CC `cc` = `value` on `channel`; logs what it did or why it could not. */
static int32_t send_cc(long long channel, long long cc, long long value) {
    unsigned char message[3] = {(unsigned char)(0xB0 | channel), (unsigned char)cc,
                                (unsigned char)value};
    int32_t code = conductor_midi_send(message, sizeof message);
    if (code < 0) {
        char why[256];
        conductor_result_copy(why, sizeof why);
        conductor_logf(CONDUCTOR_LOG_ERROR, "cannot send CC %lld = %lld: %s (code %d)", cc, value,
                       why, (int)code);
        return 3;
    }
    conductor_logf(CONDUCTOR_LOG_INFO, "call %u: CC %lld = %lld on channel %lld", calls, cc, value,
                   channel + 1);
    return 0;
}

CONDUCTOR_EXPORT("execute_with_context")
int32_t execute_with_context(const char *params, int32_t params_len, const char *ctx,
                             int32_t ctx_len) {
    calls++;
    long long cc, lo, hi, channel, velocity;
    if (!param(params, params_len, "cc", 0, 127, 1, &cc) ||
        !param(params, params_len, "min", 0, 127, 0, &lo) ||
        !param(params, params_len, "max", 0, 127, 127, &hi))
        return 2;
    if (!conductor_json_int(ctx, (size_t)ctx_len, "velocity", &velocity)) {
        conductor_log(CONDUCTOR_LOG_ERROR,
                      "the trigger has no velocity: map velocity-c to a Note trigger");
        return 2;
    }
    long long ctx_channel = 0;
    conductor_json_int(ctx, (size_t)ctx_len, "channel", &ctx_channel);
    if (!param(params, params_len, "channel", 0, 15, ctx_channel & 0x0F, &channel)) return 2;
    long long value = lo + velocity * (hi - lo) / 127;
    conductor_logf(CONDUCTOR_LOG_DEBUG, "velocity %lld scaled into [%lld, %lld]", velocity, lo, hi);
    return send_cc(channel, cc, value);
}

CONDUCTOR_EXPORT("execute")
int32_t execute(const char *params, int32_t params_len) {
    calls++;
    long long cc, channel, value;
    if (!param(params, params_len, "cc", 0, 127, 1, &cc) ||
        !param(params, params_len, "channel", 0, 15, 0, &channel) ||
        !param(params, params_len, "value", 0, 127, -1, &value))
        return 2;
    if (value < 0) {
        conductor_log(CONDUCTOR_LOG_ERROR,
                      "without a trigger context velocity-c needs a `value` param (0-127)");
        return 2;
    }
    return send_cc(channel, cc, value);
}
