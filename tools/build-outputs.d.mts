/** The compiled `.js` files (relative to `outDir`) of the sources `buildInfo` records below `rootDir` that are not in `outDir` (tools/build-outputs.mjs). */
export function missingOutputs(buildInfo: string, rootDir: string, outDir: string): string[];
