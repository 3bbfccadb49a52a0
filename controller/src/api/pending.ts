/**
 * Calls of the console (controller.proto) still being built on this branch: they answer
 * UNIMPLEMENTED until then. Removed when the console lands.
 */
import { status } from '@grpc/grpc-js';
import { ApiError } from './api-error.js';
import type { ControllerApi } from './neutral.js';

const no = (): Promise<never> => Promise.reject(new ApiError(status.UNIMPLEMENTED, 'not implemented yet'));

export const pendingCalls: Pick<ControllerApi, 'updateStore' | 'updateSource' | 'updateDestination' | 'updateSchedule' | 'previewSchedule' | 'rerunJob' | 'getDashboard'> = {
  updateStore: no,
  updateSource: no,
  updateDestination: no,
  updateSchedule: no,
  previewSchedule: no,
  rerunJob: no,
  getDashboard: no,
};
