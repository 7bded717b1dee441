/**
 * The grpc-js server options Maestro's gRPC servers (the agent broker and the source API) share.
 */
import type { ServerOptions } from '@grpc/grpc-js';

/**
 * Options for a Maestro gRPC server accepting requests of at most `maxReceiveMessageBytes`.
 *
 * - Sends are unlimited here: each server checks its own send limit and names the event it refuses.
 * - Keepalive pings every 30 s, with 10 s for the answer, find dead agent connections.
 * - Channelz is off. Maestro serves no channelz service, and with it on grpc-js keeps tracking
 *   objects per connection and per call: thousands of agent streams meant more heap for the garbage
 *   collector to mark, and more work per `Publish`.
 */
export function grpcServerOptions(maxReceiveMessageBytes: number): ServerOptions {
  return {
    'grpc.max_receive_message_length': maxReceiveMessageBytes,
    'grpc.max_send_message_length': -1,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.enable_channelz': 0,
  };
}
