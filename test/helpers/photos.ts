/** Test photos (made with sharp, optionally with EXIF time and GPS) and multipart upload bodies. */
import sharp from 'sharp';

export interface JpegOptions {
  width?: number;
  height?: number;
  /** EXIF DateTimeOriginal as the camera writes it, e.g. '2026:12:01 10:11:12' (with offset +08:00). */
  takenAt?: string;
  /** EXIF GPS position, degrees (north and east only: the test county). */
  gps?: [number, number];
  colour?: string;
}

/** Degrees as the EXIF rational triple "d/1 m/1 s/100". */
function dms(deg: number): string {
  const d = Math.floor(deg);
  const mFloat = (deg - d) * 60;
  const m = Math.floor(mFloat);
  const s = Math.round((mFloat - m) * 60 * 100);
  return `${d}/1 ${m}/1 ${s}/100`;
}

export async function jpeg(o: JpegOptions = {}): Promise<Buffer> {
  let img = sharp({
    create: { width: o.width ?? 64, height: o.height ?? 48, channels: 3, background: o.colour ?? '#c0392b' },
  }).jpeg();
  if (o.takenAt || o.gps) {
    img = img.withExif({
      IFD0: { Make: 'ProblemMapTest' },
      ...(o.takenAt ? { IFD2: { DateTimeOriginal: o.takenAt, OffsetTimeOriginal: '+08:00' } } : {}),
      ...(o.gps
        ? {
            IFD3: {
              GPSLatitudeRef: 'N',
              GPSLatitude: dms(o.gps[1]),
              GPSLongitudeRef: 'E',
              GPSLongitude: dms(o.gps[0]),
            },
          }
        : {}),
    });
  }
  return img.toBuffer();
}

/** A multipart/form-data body for app.inject: the fields first, then `file`. */
export async function multipartBody(
  file: { data: Buffer; name: string; type: string },
  fields: Record<string, string> = {},
): Promise<{ payload: Buffer; headers: { 'content-type': string } }> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  fd.append('file', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
  const res = new Response(fd);
  return {
    payload: Buffer.from(await res.arrayBuffer()),
    headers: { 'content-type': res.headers.get('content-type')! },
  };
}
