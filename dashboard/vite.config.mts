// The dashboard's build: plain TypeScript, bundled into dist/ (served by `doorproof local`
// and deployed to S3 by infra/dashboard.py). Nothing is loaded from a CDN at run time.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URLs for scripts or styles (the CSP allows 'self' only)
    modulePreload: { polyfill: false },
  },
});
