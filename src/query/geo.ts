/**
 * Geospatial queries (`geoWithin`), with Realm's shapes: a point is an embedded object with
 * `type: 'Point'` and `coordinates: [longitude, latitude(, altitude)]`; a circle has a centre and a
 * radius in radians (distance along the sphere); a box has bottom-left and top-right corners (a
 * box whose left longitude is east of its right one crosses the antimeridian); a polygon is an
 * outer ring and holes, each ring closed (its first point repeated last).
 */

export interface GeoPoint {
  readonly lng: number;
  readonly lat: number;
}

export type GeoShape =
  | { readonly shape: 'circle'; readonly center: GeoPoint; readonly radius: number }
  | { readonly shape: 'box'; readonly bottomLeft: GeoPoint; readonly topRight: GeoPoint }
  | { readonly shape: 'polygon'; readonly outer: readonly GeoPoint[]; readonly holes: readonly (readonly GeoPoint[])[] };

/** Thrown for a shape that is not valid; the binder turns it into a QueryError. */
export class GeoShapeError extends Error {}

function point(lng: unknown, lat: unknown, what: string): GeoPoint {
  if (typeof lng !== 'number' || typeof lat !== 'number' || !Number.isFinite(lng) || !Number.isFinite(lat)) {
    throw new GeoShapeError(`${what}: longitude and latitude must be finite numbers`);
  }
  if (lat < -90 || lat > 90) throw new GeoShapeError(`${what}: latitude ${lat} is outside -90…90`);
  if (lng < -180 || lng > 180) throw new GeoShapeError(`${what}: longitude ${lng} is outside -180…180`);
  return { lng, lat };
}

/** A point given as Realm JS does: `[lng, lat(, alt)]` or `{ longitude, latitude(, altitude) }`. */
export function geoPointFrom(v: unknown, what: string): GeoPoint {
  if (Array.isArray(v)) {
    if (v.length < 2 || v.length > 3) throw new GeoShapeError(`${what}: a position is [longitude, latitude] or [longitude, latitude, altitude]`);
    return point(v[0], v[1], what);
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('coordinates' in o) return geoPointFrom(o.coordinates, what);
    return point(o.longitude, o.latitude, what);
  }
  throw new GeoShapeError(`${what}: expected [longitude, latitude] or { longitude, latitude }`);
}

function ring(points: readonly GeoPoint[], what: string): GeoPoint[] {
  if (points.length < 4) throw new GeoShapeError(`${what}: a ring needs at least 4 points (3 corners and the first repeated last)`);
  const a = points[0]!;
  const z = points[points.length - 1]!;
  if (a.lng !== z.lng || a.lat !== z.lat) throw new GeoShapeError(`${what}: a ring must be closed (its first point repeated last)`);
  return [...points];
}

export function geoCircle(center: GeoPoint, radius: number): GeoShape {
  if (!Number.isFinite(radius) || radius < 0) throw new GeoShapeError(`geoCircle: the radius (in radians) must be a number >= 0, got ${radius}`);
  return { shape: 'circle', center, radius };
}

export function geoBox(bottomLeft: GeoPoint, topRight: GeoPoint): GeoShape {
  if (bottomLeft.lat > topRight.lat) throw new GeoShapeError('geoBox: the bottom-left corner is north of the top-right one');
  return { shape: 'box', bottomLeft, topRight };
}

export function geoPolygon(rings: readonly (readonly GeoPoint[])[]): GeoShape {
  if (rings.length === 0) throw new GeoShapeError('geoPolygon needs an outer ring');
  const outer = ring(rings[0]!, 'geoPolygon outer ring');
  const holes = rings.slice(1).map((r, i) => ring(r, `geoPolygon hole ${i + 1}`));
  for (const [i, h] of holes.entries()) {
    for (const p of h) if (!inRing(p, outer) && !onRing(p, outer)) throw new GeoShapeError(`geoPolygon hole ${i + 1} is not inside the outer ring`);
  }
  return { shape: 'polygon', outer, holes };
}

/**
 * A shape given as an argument, as Realm JS's GeoCircle `{ center, distance }`, GeoBox
 * `{ bottomLeft, topRight }` or GeoPolygon `{ outerRing, holes? }`.
 */
export function geoShapeFrom(v: unknown): GeoShape {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new GeoShapeError('expected a GeoCircle, GeoBox or GeoPolygon');
  const o = v as Record<string, unknown>;
  if ('center' in o) {
    const d = o.distance ?? o.radius;
    if (typeof d !== 'number') throw new GeoShapeError('a GeoCircle needs a numeric distance (radians)');
    return geoCircle(geoPointFrom(o.center, 'GeoCircle center'), d);
  }
  if ('bottomLeft' in o || 'topRight' in o) return geoBox(geoPointFrom(o.bottomLeft, 'GeoBox bottomLeft'), geoPointFrom(o.topRight, 'GeoBox topRight'));
  if ('outerRing' in o) {
    const outer = o.outerRing;
    const holes = o.holes ?? [];
    if (!Array.isArray(outer) || !Array.isArray(holes)) throw new GeoShapeError('a GeoPolygon needs an outerRing array (and holes, an array of rings)');
    const toRing = (r: unknown, what: string): GeoPoint[] => {
      if (!Array.isArray(r)) throw new GeoShapeError(`${what} must be an array of points`);
      return r.map((p) => geoPointFrom(p, what));
    };
    return geoPolygon([toRing(outer, 'GeoPolygon outerRing'), ...holes.map((h, i) => toRing(h, `GeoPolygon hole ${i + 1}`))]);
  }
  throw new GeoShapeError('expected a GeoCircle ({ center, distance }), GeoBox ({ bottomLeft, topRight }) or GeoPolygon ({ outerRing, holes })');
}

const RAD = Math.PI / 180;

/** The angle between two points seen from the centre of the sphere (haversine), in radians. */
export function angularDistance(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLng = (b.lng - a.lng) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Even-odd rule in longitude/latitude; a point on an edge is not inside (as Realm answers). */
function inRing(p: GeoPoint, r: readonly GeoPoint[]): boolean {
  if (onRing(p, r)) return false;
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const a = r[i]!;
    const b = r[j]!;
    if (a.lat > p.lat !== b.lat > p.lat && p.lng < ((b.lng - a.lng) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lng) inside = !inside;
  }
  return inside;
}

/** The point of a stored GeoPoint object (`type: 'Point'`, `coordinates: [lng, lat, …]`), if valid. */
export function storedGeoPoint(v: unknown): GeoPoint | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string' || o.type.toLowerCase() !== 'point') return undefined;
  const c = o.coordinates;
  if (!Array.isArray(c) || c.length < 2) return undefined;
  const [lng, lat] = c as unknown[];
  if (typeof lng !== 'number' || typeof lat !== 'number' || lat < -90 || lat > 90 || lng < -180 || lng > 180) return undefined;
  return { lng, lat };
}

export function geoContains(shape: GeoShape, p: GeoPoint): boolean {
  switch (shape.shape) {
    case 'circle':
      return angularDistance(shape.center, p) <= shape.radius;
    case 'box': {
      const { bottomLeft: bl, topRight: tr } = shape;
      // Realm turns a box into a polygon: its edges are not inside.
      if (p.lat <= bl.lat || p.lat >= tr.lat) return false;
      return bl.lng <= tr.lng ? p.lng > bl.lng && p.lng < tr.lng : p.lng > bl.lng || p.lng < tr.lng;
    }
    case 'polygon':
      return inRing(p, shape.outer) && !shape.holes.some((h) => inRing(p, h) || onRing(p, h));
  }
}

function onRing(p: GeoPoint, r: readonly GeoPoint[]): boolean {
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const a = r[i]!;
    const b = r[j]!;
    const cross = (b.lng - a.lng) * (p.lat - a.lat) - (b.lat - a.lat) * (p.lng - a.lng);
    if (Math.abs(cross) < 1e-12 && p.lng >= Math.min(a.lng, b.lng) && p.lng <= Math.max(a.lng, b.lng) && p.lat >= Math.min(a.lat, b.lat) && p.lat <= Math.max(a.lat, b.lat)) return true;
  }
  return false;
}
