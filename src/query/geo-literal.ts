import type { GeoExpr, GeoPointText } from './ast.ts';
import { GeoShapeError, geoBox, geoCircle, geoPointFrom, geoPolygon, type GeoPoint, type GeoShape } from './geo.ts';
import { numberFromText } from './literals.ts';

/**
 * The shape a geo literal (`geoCircle([lng, lat], r)`, `geoBox(…)`, `geoPolygon(…)`) describes; a
 * coordinate or radius written `$n` is that argument, which must be a number.
 */
export function geoShapeFromLiteral(e: GeoExpr, args: readonly unknown[]): GeoShape {
  const num = (text: string): number => {
    if (!text.startsWith('$')) return numberFromText(text);
    const v = args[Number(text.slice(1))];
    if (v === null || v === undefined) throw new GeoShapeError(`null cannot be used as a coordinate (argument ${text})`);
    if (typeof v !== 'number') throw new GeoShapeError(`argument ${text} used as a coordinate must be a number`);
    return v;
  };
  const pt = (p: GeoPointText, what: string): GeoPoint => geoPointFrom([num(p[0]), num(p[1])], what);
  switch (e.shape) {
    case 'circle': {
      const r = num(e.radius);
      if (!Number.isFinite(r)) throw new GeoShapeError('geoCircle: the radius must be a finite number of radians');
      return geoCircle(pt(e.center, 'geoCircle centre'), r);
    }
    case 'box':
      return geoBox(pt(e.bottomLeft, 'geoBox bottom-left'), pt(e.topRight, 'geoBox top-right'));
    case 'polygon':
      return geoPolygon(e.rings.map((r, i) => r.map((p) => pt(p, i === 0 ? 'geoPolygon outer ring' : `geoPolygon hole ${i}`))));
  }
}
