import type { GeoExpr, GeoPointText } from './ast.ts';
import { GeoShapeError, geoBox, geoCircle, geoPointFrom, geoPolygon, type GeoPoint, type GeoShape } from './geo.ts';
import { numberFromText } from './literals.ts';

/** The shape a geo literal (`geoCircle([lng, lat], r)`, `geoBox(…)`, `geoPolygon(…)`) describes. */
export function geoShapeFromLiteral(e: GeoExpr): GeoShape {
  const pt = (p: GeoPointText, what: string): GeoPoint => geoPointFrom([numberFromText(p[0]), numberFromText(p[1])], what);
  switch (e.shape) {
    case 'circle': {
      const r = numberFromText(e.radius);
      if (!Number.isFinite(r)) throw new GeoShapeError('geoCircle: the radius must be a finite number of radians');
      return geoCircle(pt(e.center, 'geoCircle centre'), r);
    }
    case 'box':
      return geoBox(pt(e.bottomLeft, 'geoBox bottom-left'), pt(e.topRight, 'geoBox top-right'));
    case 'polygon':
      return geoPolygon(e.rings.map((r, i) => r.map((p) => pt(p, i === 0 ? 'geoPolygon outer ring' : `geoPolygon hole ${i}`))));
  }
}
