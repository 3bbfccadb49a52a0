/**
 * Calls of the console (controller.proto) still being built on a branch: they answer
 * UNIMPLEMENTED until then. Removed when the console lands.
 */
import { status, type sendUnaryData } from '@grpc/grpc-js';

const no = (_call: unknown, cb: sendUnaryData<never>): void => cb({ code: status.UNIMPLEMENTED, details: 'not implemented yet' });

export const pendingCalls = {
  updateStore: no,
  updateSource: no,
  updateDestination: no,
  updateSchedule: no,
  previewSchedule: no,
  rerunJob: no,
  getDashboard: no,
  addUser: no,
  listUsers: no,
  removeUser: no,
  setUserPassword: no,
  whoAmI: no,
};
