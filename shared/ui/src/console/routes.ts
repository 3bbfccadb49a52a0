/**
 * The fleet console's pages, registered into the app shell's router (matched before the
 * store views): the login page (public), the dashboard, agents, the four catalog lists,
 * jobs and one job, users. Each page is wrapped so that it gets the shell's API client
 * (api.ts) and the session (session.ts) before it renders. Nav entries are hidden from
 * roles that could do nothing there (users: admins); the API enforces roles anyway.
 */
import type { RouteDef } from '../router-types.js';
import './console.css';
import { AgentsPage } from './agents-page.js';
import { DestinationsPage, SourcesPage, StoresPage } from './catalog/places.js';
import { SchedulesPage } from './catalog/schedules-page.js';
import { consolePage } from './console-page.js';
import { DashboardPage } from './dashboard-page.js';
import { JobPage } from './jobs/job-page.js';
import { JobsPage } from './jobs/jobs-page.js';
import { LoginPage } from './login-page.js';
import { UsersPage } from './users-page.js';

export const consoleRoutes: readonly RouteDef[] = [
  { path: '/login', page: consolePage(LoginPage), title: 'Log in', public: true },
  { path: '/', page: consolePage(DashboardPage), title: 'Dashboard', nav: 'Dashboard' },
  { path: '/jobs', page: consolePage(JobsPage), title: 'Jobs', nav: 'Jobs' },
  { path: '/jobs/:id', page: consolePage(JobPage), title: 'Job' },
  { path: '/agents', page: consolePage(AgentsPage), title: 'Agents', nav: 'Agents' },
  { path: '/catalog/stores', page: consolePage(StoresPage), title: 'Stores', nav: 'Catalog' },
  { path: '/catalog/sources', page: consolePage(SourcesPage), title: 'Sources' },
  { path: '/catalog/destinations', page: consolePage(DestinationsPage), title: 'Destinations' },
  { path: '/catalog/schedules', page: consolePage(SchedulesPage), title: 'Schedules' },
  { path: '/users', page: consolePage(UsersPage), title: 'Users', nav: 'Users', minRole: 'admin' },
];
