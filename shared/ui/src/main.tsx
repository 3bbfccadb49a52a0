/**
 * The app's entry: mounts the shell (app.tsx) into #app. Loaded as an external module
 * script (the page CSP allows no inline script).
 */
import { render } from 'preact';
import './styles/app.css';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) render(<App />, root);
