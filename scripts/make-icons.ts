/**
 * Draws the Teams app icons with pngjs (committed; re-run after changing the glyph):
 *
 *   npx tsx scripts/make-icons.ts
 *
 * - appPackage/color.png   192×192: the clinic green with a white glyph;
 * - appPackage/outline.png  32×32: the glyph in white on a transparent background
 *   (Teams requires exactly white and transparent for the outline icon);
 * - public/site/favicon.ico 32×32 and 16×16 colour icons (PNG inside an ICO) for the web pages.
 *
 * The glyph: a speech bubble with a medical cross cut out of it, drawn from signed
 * distance functions with 4×4 supersampling for smooth edges.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

export const ACCENT = { r: 0x0b, g: 0x6e, b: 0x4f };

/** Signed distance to a rounded rectangle centred at (cx, cy). Negative inside. */
function roundedRect(x: number, y: number, cx: number, cy: number, hw: number, hh: number, r: number): number {
  const qx = Math.abs(x - cx) - (hw - r);
  const qy = Math.abs(y - cy) - (hh - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Is the point (in unit coordinates 0..1) part of the glyph? */
export function inGlyph(x: number, y: number): boolean {
  const bubble = roundedRect(x, y, 0.5, 0.44, 0.36, 0.27, 0.1) <= 0;
  // The tail: a triangle below the bubble's lower left.
  const inTail = y >= 0.68 && y <= 0.86 && x >= 0.28 && x <= 0.46 && (x - 0.28) <= (0.86 - y) * 1.0;
  const cross = roundedRect(x, y, 0.5, 0.44, 0.055, 0.17, 0.015) <= 0 || roundedRect(x, y, 0.5, 0.44, 0.17, 0.055, 0.015) <= 0;
  return (bubble || inTail) && !cross;
}

/** Coverage of the glyph in one pixel (0..1), supersampled. */
function coverage(px: number, py: number, size: number, scale: number, offset: number): number {
  const n = 4;
  let hit = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = ((px + (i + 0.5) / n) / size - offset) / scale;
      const y = ((py + (j + 0.5) / n) / size - offset) / scale;
      if (x >= 0 && x <= 1 && y >= 0 && y <= 1 && inGlyph(x, y)) hit++;
    }
  }
  return hit / (n * n);
}

export function drawColor(size = 192): PNG {
  const png = new PNG({ width: size, height: size });
  // The glyph fills the middle 70% (Teams crops nothing, but leaves room around it).
  const scale = 0.7;
  const offset = (1 - scale) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = coverage(x, y, size, scale, offset);
      const i = (y * size + x) * 4;
      png.data[i] = Math.round(ACCENT.r + (255 - ACCENT.r) * a);
      png.data[i + 1] = Math.round(ACCENT.g + (255 - ACCENT.g) * a);
      png.data[i + 2] = Math.round(ACCENT.b + (255 - ACCENT.b) * a);
      png.data[i + 3] = 255;
    }
  }
  return png;
}

export function drawOutline(size = 32): PNG {
  const png = new PNG({ width: size, height: size });
  const scale = 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = coverage(x, y, size, scale, 0);
      const i = (y * size + x) * 4;
      png.data[i] = 255;
      png.data[i + 1] = 255;
      png.data[i + 2] = 255;
      png.data[i + 3] = Math.round(255 * a);
    }
  }
  return png;
}

/** An .ico file holding the given square PNGs (ICO allows PNG entries). */
export function icoOf(pngs: PNG[]): Buffer {
  const images = pngs.map((png) => ({ size: png.width, data: PNG.sync.write(png) }));
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach((img, i) => {
    const at = 6 + 16 * i;
    header.writeUInt8(img.size >= 256 ? 0 : img.size, at);
    header.writeUInt8(img.size >= 256 ? 0 : img.size, at + 1);
    header.writeUInt16LE(1, at + 4);
    header.writeUInt16LE(32, at + 6);
    header.writeUInt32LE(img.data.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += img.data.length;
  });
  return Buffer.concat([header, ...images.map((img) => img.data)]);
}

if (require.main === module) {
  const favicon = path.resolve(__dirname, '..', 'public', 'site', 'favicon.ico');
  writeFileSync(favicon, icoOf([drawColor(32), drawColor(16)]));
  console.log(`wrote ${favicon} (32×32, 16×16)`);
  const dir = path.resolve(__dirname, '..', 'appPackage');
  writeFileSync(path.join(dir, 'color.png'), PNG.sync.write(drawColor()));
  writeFileSync(path.join(dir, 'outline.png'), PNG.sync.write(drawOutline()));
  console.log(`wrote ${path.join(dir, 'color.png')} (192×192) and ${path.join(dir, 'outline.png')} (32×32)`);
}
