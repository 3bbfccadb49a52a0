/**
 * The ControllerService messages as the console receives and sends them: proto3 JSON.
 * Built from the generated interfaces (types only, so no generated runtime code and no
 * grpc-js reach the bundle): every field may be absent (JSON leaves out defaults), enums
 * are their names ("JOB_STATE_RUNNING"), and the JobSpec oneof is one optional field per
 * case ({"backup": {…}}). `Calls` lists each method's request and response.
 */
import type * as C from '../../../src/gen/coffer/v1/common.js';
import type * as P from '../../../src/gen/coffer/v1/controller.js';

/** A message as JSON: every field may be absent. */
export type Json<T> = T extends readonly (infer E)[] ? readonly Json<E>[] : T extends object ? { readonly [K in keyof T]?: Json<T[K]> } : T;

export type JobStateName = Exclude<keyof typeof C.JobState, 'UNRECOGNIZED'>;
export type JobKindName = Exclude<keyof typeof C.JobKind, 'UNRECOGNIZED'>;
export type RoleName = Exclude<keyof typeof P.Role, 'UNRECOGNIZED'>;

export type Progress = Json<C.Progress>;
export type JobResult = Json<C.JobResult>;
export type LogLine = Json<C.LogLine>;
export type RetentionPolicy = Json<C.RetentionPolicy>;

export interface JobSpec {
  readonly backup?: Json<C.BackupSpec>;
  readonly restore?: Json<C.RestoreSpec>;
  readonly verify?: Json<C.VerifySpec>;
  readonly forget?: Json<C.ForgetSpec>;
}

type WithEnums<T, Over> = Json<Omit<T, keyof Over>> & { readonly [K in keyof Over]?: Over[K] };

export type StateChange = WithEnums<P.StateChange, { state: JobStateName }>;
export type Job = WithEnums<P.Job, { kind: JobKindName; state: JobStateName; spec: JobSpec; history: readonly StateChange[] }>;
export type Schedule = WithEnums<P.Schedule, { kind: JobKindName }>;
export type User = WithEnums<P.User, { role: RoleName }>;
export type Agent = Json<P.Agent>;
export type Store = Json<P.Store>;
export type Source = Json<P.Source>;
export type Destination = Json<P.Destination>;
export type EnrollmentToken = Json<P.EnrollmentToken>;
export type SourceStatus = Json<P.SourceStatus>;
export type StoreUsage = Json<P.StoreUsage>;
export type Dashboard = WithEnums<P.Dashboard, { failedJobs: readonly Job[]; runningJobs: readonly Job[] }>;

type Req<T> = Json<T>;

/** Method (as the URL spells it) → [request, response]. */
export interface Calls {
  CreateEnrollmentToken: [Req<P.CreateEnrollmentTokenRequest>, EnrollmentToken];
  ListAgents: [Req<P.ListAgentsRequest>, { agents?: readonly Agent[] }];
  RevokeAgent: [Req<P.RevokeAgentRequest>, Agent];
  AddStore: [Req<P.AddStoreRequest>, Store];
  UpdateStore: [Req<P.AddStoreRequest>, Store];
  ListStores: [Req<P.ListRequest>, { stores?: readonly Store[] }];
  RemoveStore: [Req<P.RemoveRequest>, object];
  AddSource: [Req<P.AddSourceRequest>, Source];
  UpdateSource: [Req<P.AddSourceRequest>, Source];
  ListSources: [Req<P.ListRequest>, { sources?: readonly Source[] }];
  RemoveSource: [Req<P.RemoveRequest>, object];
  AddDestination: [Req<P.AddDestinationRequest>, Destination];
  UpdateDestination: [Req<P.AddDestinationRequest>, Destination];
  ListDestinations: [Req<P.ListRequest>, { destinations?: readonly Destination[] }];
  RemoveDestination: [Req<P.RemoveRequest>, object];
  AddSchedule: [{ schedule: Schedule }, Schedule];
  UpdateSchedule: [{ schedule: Schedule }, Schedule];
  ListSchedules: [Req<P.ListRequest>, { schedules?: readonly Schedule[] }];
  RemoveSchedule: [Req<P.RemoveRequest>, object];
  SetSchedulePaused: [Req<P.SetSchedulePausedRequest>, Schedule];
  PreviewSchedule: [{ schedule: Schedule; count?: number }, Json<P.PreviewScheduleResponse>];
  RunJob: [{ spec: JobSpec; maxAttempts?: number; waitSeconds?: number }, Job];
  GetJob: [Req<P.GetJobRequest>, Job];
  ListJobs: [WithEnums<P.ListJobsRequest, { states: readonly JobStateName[]; kinds: readonly JobKindName[] }>, { jobs?: readonly Job[] }];
  GetJobLogs: [Req<P.GetJobRequest>, { lines?: readonly LogLine[] }];
  CancelJob: [Req<P.GetJobRequest>, Job];
  RerunJob: [Req<P.GetJobRequest>, Job];
  GetDashboard: [Req<P.GetDashboardRequest>, Dashboard];
  AddUser: [WithEnums<P.AddUserRequest, { role: RoleName }>, User];
  ListUsers: [Req<P.ListRequest>, { users?: readonly User[] }];
  RemoveUser: [Req<P.RemoveRequest>, object];
  SetUserPassword: [WithEnums<P.SetUserPasswordRequest, { role: RoleName }>, User];
}

/** Server-streaming methods → [request, each message]. */
export interface Streams {
  WatchJob: [Req<P.GetJobRequest>, Job];
}
