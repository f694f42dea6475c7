import * as v from 'valibot';

/**
 * PING (client → server) keeps the session alive (about every 60 s; the server drops a session
 * silent for 10 minutes). `timestamp` is the client's clock, echoed in PONG with the server's
 * time so the client can measure the round trip and its clock offset.
 */
export const pingSchema = v.strictObject({
  t: v.literal('PING'),
  timestamp: v.pipe(v.number(), v.finite()),
  rtt: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0))),
});
export type Ping = v.InferOutput<typeof pingSchema>;

export const pongSchema = v.strictObject({
  t: v.literal('PONG'),
  timestamp: v.pipe(v.number(), v.finite()),
  serverTime: v.pipe(v.number(), v.finite()),
});
export type Pong = v.InferOutput<typeof pongSchema>;
