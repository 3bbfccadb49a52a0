/** gRPC failures seen by the agent, as one-line CofferErrors. */
import { controllerCallError } from '@coffer/shared/grpc-errors.js';

/** Maps a failed call to the controller (shared with coffer ctl). */
export const grpcFailure = controllerCallError;
