// Outpost's own cases for the parts of Realm Query Language beyond realm-core's parser tests:
// linkingObjects properties, full-text search (TEXT), and geoWithin shapes (antimeridian boxes,
// holes, Realm JS shape arguments). Same format as realm-core-parser-tests.json (see ../README.md);
// `node test-data/conformance/outpost/cases.mjs` regenerates outpost-query-tests.json.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const suites = {};
let cur;
function suite(name, schema, objects) {
  cur = suites[name] = { schema, objects, tests: [] };
}
const q = (type, query, n, ...args) => cur.tests.push(['QueryCount', n, type, query, ...args]);
const bad = (type, query, ...args) => cur.tests.push(['QueryThrows', type, query, ...args]);

// ---- linkingObjects properties (Realm's inverse relationships) ------------------------------------
suite('linkingObjects', [
  {
    name: 'Person',
    properties: {
      name: 'string',
      tasks: { type: 'linkingObjects', objectType: 'Task', property: 'assignee' },
      watching: { type: 'linkingObjects', objectType: 'Task', property: 'watchers' },
    },
  },
  { name: 'Task', properties: { title: 'string', done: 'bool', assignee: 'Person', watchers: 'Person[]' } },
], {
  Person: [{ name: 'ann' }, { name: 'bob' }, { name: 'cy' }],
  Task: [
    { title: 'paint', done: false, assignee: 0, watchers: [1, 2] },
    { title: 'sand', done: true, assignee: 0, watchers: [1] },
    { title: 'fix', done: false, assignee: 1, watchers: [1, 1] }, // bob watches it twice: two links
  ],
});
for (const [text, n] of [
  ['tasks.@count == 2', 1], ['tasks.@count == 0', 1], ['tasks.@size == 1', 1], ['ANY tasks.done == true', 1], ['ALL tasks.done == false', 2],
  ['NONE tasks.done == false', 1], ['watching.@count == 4', 1], ['watching.@count == 1', 1], ["'fix' IN watching.title", 1],
  ["tasks.title == 'fix'", 1], ["tasks.title BEGINSWITH[c] 'PA'", 1], ['@links.Task.assignee.@count == tasks.@count', 3],
  ['@links.@count == tasks.@count + watching.@count', 3], ['SUBQUERY(watching, $t, $t.done == false).@count >= 2', 1],
  ['SUBQUERY(tasks, $t, $t.watchers.@count > 1).@count == 1', 2], ["tasks.watchers.name == 'cy'", 1],
  ["ANY tasks.assignee.watching.title == 'sand'", 1], ['tasks.@count > 0 SORT(name DESC) LIMIT(1)', 1],
]) q('Person', text, n);
q('Person', 'tasks == $0', 1, { $obj: ['Task', 2] });
q('Person', '$0 IN watching', 1, { $obj: ['Task', 1] });
q('Task', 'assignee.tasks.@count > 1', 2);
q('Task', "ANY watchers.watching.title == 'fix'", 3);
for (const text of ['tasks.nope == 1', "tasks == 'x'", 'tasks.@links.Task.assignee.@count > 0 AND tasks.@keys == 1', "tasks.@sum.title == 'x'", 'tasks.@min == 1']) bad('Person', text);

// ---- full-text search (TEXT) on a property indexed 'full-text' -------------------------------------
suite('fullText', [
  { name: 'Article', properties: { title: { type: 'string?', indexed: 'full-text' }, plain: 'string' } },
], {
  Article: [
    { title: 'The quick brown fox jumps over the lazy dog', plain: 'fox' },
    { title: 'Crème brûlée: a French dessert', plain: 'a' },
    { title: 'full-text search with Realm', plain: 'b' },
    { title: 'Outpost syncs offline_first apps', plain: 'c' },
    { title: null, plain: 'd' },
    { title: 'FOX-trot and foxes', plain: 'e' },
  ],
});
for (const [text, n] of [
  ["title TEXT 'fox'", 2], ["title TEXT 'FOX'", 2], ["title TEXT 'fox*'", 2], ["title TEXT 'fo*'", 2], ["title TEXT 'fox -lazy'", 1],
  ["title TEXT 'fox -laz*'", 1], ["title TEXT 'creme'", 1], ["title TEXT 'CRÈME brulee dessert'", 1], ["title TEXT 'full text'", 1],
  ["title TEXT 'full-text'", 1], ["title TEXT 'offline first'", 1], ["title TEXT 'off*'", 1], ["title TEXT '-fox'", 3],
  ["title TEXT 'quick dog'", 1], ["title TEXT 'quick cat'", 0], ["NOT title TEXT 'fox'", 4], ["title TEXT 'fox' AND title CONTAINS 'dog'", 1],
  ["title TEXT 'fox' OR plain == 'a'", 3], ["title TEXT 'trot'", 1], ["title TEXT 'fo'", 0],
]) q('Article', text, n);
q('Article', 'title TEXT $0', 1, 'quick brown');
for (const text of ["plain TEXT 'fox'", 'title TEXT 5', "title TEXT ''", "title TEXT '  -'", 'title TEXT title', "title TEXT[c] 'fox'", "'fox' TEXT title"]) bad('Article', text);

// ---- geoWithin: antimeridian boxes, holes, Realm JS shape arguments --------------------------------
suite('geoWithin', [
  { name: 'Point', embedded: true, properties: { type: 'string', coordinates: 'double[]' } },
  { name: 'Place', properties: { name: 'string', location: 'Point', stops: 'Point[]' } },
], {
  Place: [
    ['tokyo', 139.69, 35.69], ['auckland', 174.76, -36.85], ['suva', 178.44, -18.14], ['apia', -171.76, -13.83], ['honolulu', -157.86, 21.31],
  ].map(([name, lng, lat]) => ({ name, location: { type: 'Point', coordinates: [lng, lat] }, stops: [{ type: 'Point', coordinates: [lng, lat] }] }))
    .concat([{ name: 'nowhere', stops: [] }, { name: 'bad point', location: { type: 'Polygon', coordinates: [0, 0] } }]),
});
const P = 'Place';
for (const [text, n] of [
  ['location geoWithin geoBox([170, -40], [-170, 0])', 3], ['NOT location geoWithin geoBox([170, -40], [-170, 0])', 4],
  ['location geoWithin geoBox([-170, -40], [170, 40])', 2], ['location geoWithin geoCircle([178.44, -18.14], 0.1)', 1],
  ['location geoWithin geoCircle([178.44, -18.14], 0.25)', 2], ['location geoWithin geoCircle([0, 0], 3.1416)', 5],
  ['location geoWithin geoPolygon({[-175, -20], [-150, -20], [-150, 30], [-175, 30], [-175, -20]})', 2],
  ['location geoWithin geoPolygon({[-175, -20], [-150, -20], [-150, 30], [-175, 30], [-175, -20]}, {[-160, 20], [-155, 20], [-155, 23], [-160, 23], [-160, 20]})', 1],
  ['ANY stops geoWithin geoBox([170, -40], [-170, 0])', 3], ['ALL stops geoWithin geoBox([170, -40], [-170, 0])', 5],
  ["location geoWithin geoCircle([139.69, 35.69], 0.01) AND name == 'tokyo'", 1],
]) q(P, text, n);
q(P, 'location geoWithin $0', 1, { center: { latitude: 35.69, longitude: 139.69 }, distance: 0.01 });
q(P, 'location geoWithin $0', 3, { bottomLeft: { latitude: -40, longitude: 170 }, topRight: [-170, 0] });
q(P, 'location geoWithin $0', 1, { outerRing: [[-175, -20], [-150, -20], [-150, 30], [-175, 30], [-175, -20]], holes: [[[-160, 20], [-155, 20], [-155, 23], [-160, 23], [-160, 20]]] });
for (const text of ['location geoWithin geoPolygon({[0, 0], [1, 0], [1, 1], [0, 1]})', 'location geoWithin geoCircle([0, 91], 1)',
  'location geoWithin geoCircle([181, 0], 1)', 'location geoWithin geoCircle([0, 0], -1)', 'location geoWithin geoPolygon({[0, 0], [1, 0], [0, 0]})',
  'location geoWithin geoPolygon({[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]}, {[5, 5], [6, 5], [6, 6], [5, 5]})', 'location geoWithin geoBox([0, 10], [1, 5])',
  'name geoWithin geoCircle([0, 0], 1)', 'location.coordinates geoWithin geoCircle([0, 0], 1)', 'location geoWithin[c] geoCircle([0, 0], 1)']) bad(P, text);
bad(P, 'location geoWithin $0', { center: [0, 0] });
bad(P, 'location geoWithin $0', [0, 0]);

const out = path.join(here, '..', 'outpost-query-tests.json');
writeFileSync(out, JSON.stringify(suites, null, 1) + '\n');
let n = 0;
for (const s of Object.values(suites)) n += s.tests.length;
console.log(`wrote ${Object.keys(suites).length} suites, ${n} cases to ${out}`);
