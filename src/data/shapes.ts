// The eight object classes as inside-tests in a local frame where every shape fits the unit disc
// (centred on its visual centre, y pointing down as in images). Scale, rotation and position are
// applied by the renderer, so a class is decided by the outline alone.
import { SHAPE_CLASSES, type ShapeClass } from './classes.js';

type Inside = (x: number, y: number) => boolean;

/** Regular n-gon of circumradius 1 with a vertex pointing up: inside iff within every edge's apothem. */
function regularPolygon(n: number): Inside {
  const apothem = Math.cos(Math.PI / n);
  const normals: [number, number][] = [];
  for (let k = 0; k < n; k++) {
    // Edge normals sit halfway between vertices; vertex 0 points up (−y).
    const a = -Math.PI / 2 + (2 * Math.PI * k) / n + Math.PI / n;
    normals.push([Math.cos(a), Math.sin(a)]);
  }
  return (x, y) => {
    for (const [nx, ny] of normals) if (x * nx + y * ny > apothem) return false;
    return true;
  };
}

/** Even-odd point-in-polygon over the vertex list. */
function polygon(vertices: readonly [number, number][]): Inside {
  return (x, y) => {
    let inside = false;
    for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i++) {
      const [xi, yi] = vertices[i];
      const [xj, yj] = vertices[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
}

function starVertices(points: number, outer: number, inner: number): [number, number][] {
  const v: [number, number][] = [];
  for (let k = 0; k < 2 * points; k++) {
    const r = k % 2 === 0 ? outer : inner;
    const a = -Math.PI / 2 + (Math.PI * k) / points;
    v.push([r * Math.cos(a), r * Math.sin(a)]);
  }
  return v;
}

/**
 * The heart: a square standing on a corner (|x| + |y − c| ≤ d) with a disc on each upper edge (centred
 * on the edge's midpoint, the edge as diameter), so it has a pointed tip and a V-shaped cleft that
 * set it apart from a circle or a hexagon. d and c put it in the unit disc about the box's middle.
 */
export const HEART_HALF_DIAGONAL = 0.74;
const HEART_SQUARE_CENTRE = ((1.5 + Math.SQRT1_2) * HEART_HALF_DIAGONAL) / 2 - HEART_HALF_DIAGONAL;
const HEART_DISC_R2 = (HEART_HALF_DIAGONAL * HEART_HALF_DIAGONAL) / 2;

/** Inner radius of the star's concave vertices (tips at 1). */
export const STAR_INNER = 0.5;

/**
 * Inner radius of the ring (outer radius 1): a thick band, so that the ring's pixels (not its hole)
 * are where a localisation map can point.
 */
export const RING_INNER = 0.35;

const INSIDE: Record<ShapeClass, Inside> = {
  circle: (x, y) => x * x + y * y <= 1,
  square: (x, y) => Math.abs(x) <= 0.75 && Math.abs(y) <= 0.75,
  triangle: regularPolygon(3),
  star: polygon(starVertices(5, 1, STAR_INNER)),
  cross: (x, y) => {
    const ax = Math.abs(x),
      ay = Math.abs(y);
    return (ax <= 0.3 && ay <= 0.95) || (ay <= 0.3 && ax <= 0.95);
  },
  ring: (x, y) => {
    const r2 = x * x + y * y;
    return r2 <= 1 && r2 >= RING_INNER * RING_INNER;
  },
  hexagon: regularPolygon(6),
  heart: (x, y) => {
    const d = HEART_HALF_DIAGONAL,
      c = HEART_SQUARE_CENTRE;
    if (Math.abs(x) + Math.abs(y - c) <= d) return true;
    const dy = y - (c - d / 2),
      dx = Math.abs(x) - d / 2;
    return dx * dx + dy * dy <= HEART_DISC_R2;
  },
};

/** The inside-test of a class by index (the logit order of SHAPE_CLASSES). */
export function shapeInside(label: number): Inside {
  const name: ShapeClass | undefined = SHAPE_CLASSES[label];
  if (!name) throw new Error(`shape class ${label} does not exist (0–${SHAPE_CLASSES.length - 1})`);
  return INSIDE[name];
}
