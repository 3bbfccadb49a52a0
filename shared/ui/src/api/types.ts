/**
 * The messages the store views receive, as proto3 JSON: the generated interfaces (imported
 * as types only, so no generated runtime code reaches the bundle) made deeply optional,
 * since proto3 JSON leaves out every field at its default (0, "", false, []). Oneof events
 * (Check, Restore) are spelled as their JSON shape: one optional field per case.
 */
import type * as S from '../../../src/gen/coffer/v1/store.js';
import type { Progress as ProgressMsg } from '../../../src/gen/coffer/v1/common.js';
import type { Destination as DestinationMsg } from '../../../src/gen/coffer/v1/controller.js';

/** A message as JSON: every field may be absent. */
export type Json<T> = T extends readonly (infer E)[] ? readonly Json<E>[] : T extends object ? { readonly [K in keyof T]?: Json<T[K]> } : T;

export type StoreInfo = Json<S.StoreInfo>;
export type CheckSummary = Json<S.CheckSummary>;
export type StoreSnapshot = Json<S.StoreSnapshot>;
export type ListStoreSnapshotsRequest = Partial<S.ListStoreSnapshotsRequest>;
export type ListStoreSnapshotsResponse = Json<S.ListStoreSnapshotsResponse>;
export type TreeEntry = Json<S.TreeEntry>;
export type ListTreeRequest = Partial<S.ListTreeRequest>;
export type ListTreeResponse = Json<S.ListTreeResponse>;
export type LocateRequest = Partial<S.LocateRequest>;
export type LocateResponse = Json<S.LocateResponse>;
export type LocateMatch = Json<S.LocateMatch>;
export type PathHistoryResponse = Json<S.PathHistoryResponse>;
export type PathVersion = Json<S.PathVersion>;
export type DiffResponse = Json<S.DiffResponse>;
export type DiffEntry = Json<S.DiffEntry>;
export type DiffFileResponse = Json<S.DiffFileResponse>;
export type DiffLine = Json<S.DiffLine>;
export type CheckOutcome = Json<S.CheckOutcome>;
export type RestoreOutcome = Json<S.RestoreOutcome>;
export type Progress = Json<ProgressMsg>;
export type Destination = Json<DestinationMsg>;
export type EntryErrorInfo = Json<S.EntryErrorInfo>;

export interface CheckEvent {
  readonly progress?: Progress;
  readonly result?: CheckOutcome;
}

export interface RestoreEvent {
  readonly progress?: Progress;
  readonly result?: RestoreOutcome;
}

export const STORE = 'coffer.v1.StoreService' as const;
export const CONTROLLER = 'coffer.v1.ControllerService' as const;
