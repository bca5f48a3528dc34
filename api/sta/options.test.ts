/** Query options validated against the data model: $orderby/$select/$filter properties, nested $expand with options. */
import { describe, expect, it } from 'vitest';
import { QuantracError } from '../../lib/errors.js';
import { parseOptions, splitTop } from './options.js';

function refused(query: Record<string, string>, set: Parameters<typeof parseOptions>[1], message: RegExp) {
  let err: unknown;
  try {
    parseOptions(query, set);
  } catch (e) {
    err = e;
  }
  expect(err, JSON.stringify(query)).toBeInstanceOf(QuantracError);
  expect((err as QuantracError).code).toBe('QT_ERR_QUERY_INVALID');
  expect((err as QuantracError).message).toMatch(message);
}

describe('query options', () => {
  it('splits on separators outside parentheses and quotes', () => {
    expect(splitTop("a($x=1,2),b('c,d'),e", ',')).toEqual(['a($x=1,2)', "b('c,d')", 'e']);
  });

  it('parses nested, multi-level $expand with options per level', () => {
    const o = parseOptions({ $expand: 'Datastreams($select=name;$expand=Observations($top=1;$orderby=phenomenonTime desc)),Locations', $top: '5' }, 'Things');
    expect(o.top).toBe(5);
    expect(o.expand.map((e) => e.nav)).toEqual(['Datastreams', 'Locations']);
    const ds = o.expand[0]!;
    expect(ds.options.select).toEqual(['name']);
    expect(ds.options.expand[0]).toMatchObject({
      nav: 'Observations',
      target: 'Observations',
      many: true,
      options: { top: 1, orderBy: [{ path: ['phenomenonTime'], desc: true }] },
    });
    const paths = parseOptions({ $expand: 'Datastreams/Observations,Datastreams/Sensor' }, 'Things');
    expect(paths.expand).toHaveLength(1);
    expect(paths.expand[0]!.options.expand.map((e) => e.nav)).toEqual(['Observations', 'Sensor']);
  });

  it('validates $orderby, $select and $filter against the entity set', () => {
    expect(parseOptions({ $orderby: 'Thing/name desc, id', $select: 'id,name,Thing', $filter: "properties/metric eq 'pm25'" }, 'Datastreams')).toMatchObject({
      orderBy: [
        { path: ['Thing', 'name'], desc: true },
        { path: ['@iot.id'], desc: false },
      ],
      select: ['@iot.id', 'name', 'Thing'],
    });
    refused({ $orderby: 'colour' }, 'Things', /^\$orderby: Thing has no property colour/);
    refused({ $orderby: 'name sideways' }, 'Things', /^\$orderby: "name sideways"/);
    refused({ $select: 'colour' }, 'Things', /^\$select: Thing has no property colour/);
    refused({ $filter: 'name/first eq 1' }, 'Things', /name has no sub-properties/);
    refused({ $filter: "Thing eq 'x'" }, 'Datastreams', /is an entity, not a property/);
    refused({ $expand: 'Observations' }, 'Things', /^\$expand: "Observations" is not a navigation property of Thing/);
    refused({ $expand: 'Datastreams($top=1;$colour=2)' }, 'Things', /^\$expand\(Datastreams\) \$colour: unknown query option/);
    refused({ $expand: 'Datastreams($filter=colour eq 1)' }, 'Things', /^\$expand\(Datastreams\) \$filter: Datastream has no property colour/);
    refused({ $top: '1001' }, 'Things', /^\$top/);
    refused({ $count: 'yes' }, 'Things', /^\$count/);
    refused({ $resultFormat: 'dataArray' }, 'Observations', /Data Array/);
  });
});
