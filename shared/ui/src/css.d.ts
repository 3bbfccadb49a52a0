/** Stylesheets imported by the entry are bundled by esbuild into assets/app-[hash].css. */
declare module '*.css';
