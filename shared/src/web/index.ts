/**
 * The web side both homes serve (the local viewer `coffer at <store> ui` and the
 * controller's console): the request listener (app.ts), the sign-in port and the local
 * sign-in (auth.ts), and the pieces a home's own routes reuse (security.ts, respond.ts).
 */
export { createWebApp, type WebAppOptions, type WebLog } from './app.js';
export { assetsDir, createAssets, type Assets } from './assets.js';
export { cookieValues, createLocalAuth, LOCAL_COOKIE, randomSecret, sessionCookie, type LocalAuth, type LocalAuthOptions, type SessionDescription, type WebAuth, type WebSession } from './auth.js';
export { contentDisposition, previewType } from './content-type.js';
export { DOWNLOAD_PATHS, serveDownload } from './downloads.js';
export { pickRange, type RangeAnswer } from './range.js';
export { escapeHtml, sendError, sendHtmlStatus, sendJson, toWebError } from './respond.js';
export { checkedPath, checkedUrlPath, CONTENT_CSP, contentHeaders, PAGE_CSP, pageHeaders, requireCsrf, requireSameOrigin, sameSecret, setBaseHeaders, unsafePathReason, WebError } from './security.js';
