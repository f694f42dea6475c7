import { LIMITS } from '../shared/limits.ts';
import type { ReactNode } from 'react';
import { useDatabase, useQuery } from 'outpost/react';
import { regionName } from '../shared/catalog.ts';
import type { CustomerDoc } from '../shared/schema.ts';
import { EditableText } from './fields.tsx';
import { useNotify } from './Notices.tsx';
import { useMe, useRegion } from './session.tsx';

/*
 * The customers of the region being looked at: what the `region-customers` subscription brought
 * to this device. Technicians may edit access notes of customers in their regions (the office owns
 * names and regions: those fields are not writable in the server's roles).
 */

export function Customers(): ReactNode {
  const db = useDatabase();
  const me = useMe();
  const { region, subscriptionState } = useRegion();
  const notify = useNotify();
  const customers = useQuery<CustomerDoc>('Customer', (q) => q.filtered('region == $0', region).sorted('name'), [region]);
  const editable = me.technician && me.regions.includes(region);
  return (
    <section>
      <h2>
        Customers in {regionName(region)} <span className="count">{customers.length}</span>
      </h2>
      {customers.length === 0 && <p className="empty">{subscriptionState === 'complete' ? 'No customers here.' : 'Downloading the region’s customers…'}</p>}
      <ul className="customer-list" data-testid="customers">
        {customers.map((c) => (
          <li key={c._id.toHexString()} className="card" data-testid="customer">
            <strong data-testid="customer-name">{c.name}</strong>
            <span>
              {c.contact} · <a href={`tel:${c.phone.replace(/\s/g, '')}`}>{c.phone}</a>
            </span>
            {c.address && (
              <span className="muted">
                {c.address.street}, {c.address.postcode} {c.address.city}
              </span>
            )}
            <label className="small">
              Access notes
              <EditableText
                label={`Access notes for ${c.name}`}
                value={c.accessNotes}
                disabled={!editable}
                maxLength={LIMITS.note}
                multiline
                onSave={(accessNotes) =>
                  db.write((tx) => tx.update(c, { accessNotes })).catch((err: Error) => notify({ key: `write:${c.name}`, tone: 'error', text: `Could not save the notes for ${c.name}: ${err.message}` }))
                }
              />
            </label>
          </li>
        ))}
      </ul>
    </section>
  );
}
