/** Types of scripts/nativeAsync.mjs (the build's rewrite of botbuilder's `__awaiter` calls). */
import type { Plugin } from 'esbuild';

export function toNativeAsync(code: string, file?: string): { code: string; count: number };
export const NATIVE_ASYNC_FILTER: RegExp;
export function nativeAsyncPlugin(stats?: { files: number; calls: number }): Plugin;
