import { useEffect, useState } from 'preact/hooks';
import { t } from './i18n';
import { base, navigate, path, route } from './router';
import { check, user } from './session';
import { Bar } from './bar';
import { SignIn } from './signin';
import { Home } from './home';
import { Orders } from './orders';
import { Register } from './register';
import { Account } from './account';
import { StatementPage, Statements } from './statements';
import { NotFound } from './notfound';
import { MyTeamStats } from './teamstats';
import { NewTicket, TicketPage, Tickets } from './tickets';
import { describe, type Msg } from './errors';
import type { Messages } from './i18n/en';
import { signal } from '@preact/signals';

const failure = signal<Msg | null>(null);

export function App() {
  useEffect(() => {
    check().catch((e) => (failure.value = describe(e)));
  }, []);
  const m = t.value;
  const u = user.value;
  let body;
  if (failure.value) body = <main class="card form-error">{failure.value(m)}</main>;
  else if (u === undefined) body = <main class="loading">{m.loading}</main>;
  else if (u === null) body = <SignIn />;
  else body = <Page />;
  return (
    <div class="shell">
      <Bar area={(m) => m.memberOffice} home={base} onError={(e) => (failure.value = e)} />
      {u && u.role === 'member' && u.member && <Nav />}
      {u && u.role === 'customer' && <Nav customer />}
      {body}
    </div>
  );
}

function Page() {
  const m = t.value;
  const u = user.value!;
  const r = route(path.value);
  // Members and shop customers follow their service desk tickets here.
  if (u.role === 'customer' || (u.role === 'member' && u.member)) {
    if (r === 'tickets' || (u.role === 'customer' && r === '')) return <Tickets />;
    if (r === 'tickets/new') return <NewTicket code={u.member} />;
    if (r.startsWith('tickets/')) return <TicketPage no={decodeURIComponent(r.slice('tickets/'.length))} />;
    if (u.role === 'customer') return <NotFound />;
  }
  if (u.role !== 'member' || !u.member)
    return (
      <main class="card" id="staff-only">
        {m.staffOnly} <a href="/staff/">{m.openStaffConsole}</a>
      </main>
    );
  if (r.startsWith('statements/')) return <StatementPage code={u.member} period={decodeURIComponent(r.slice('statements/'.length))} />;
  switch (r) {
    case 'register':
      return <Register code={u.member} />;
    case 'account':
      return <Account />;
    case 'statements':
      return <Statements code={u.member} />;
    case '':
      return <Home code={u.member} />;
    case 'orders':
      return <Orders code={u.member} />;
    case 'team/stats':
      return <MyTeamStats code={u.member} />;
    default: {
      if (r === 'team' || r.startsWith('team/')) return <Team self={u.member} code={decodeURIComponent(r.slice(5))} />;
      return <NotFound />;
    }
  }
}

// The explorer is loaded when it is first opened, so the other pages do not
// download its code.
let explorer: Promise<typeof import('./explorer/page')> | undefined;

function Team({ self, code }: { self: string; code: string }) {
  const m = t.value;
  const [mod, setMod] = useState<typeof import('./explorer/page') | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    explorer ??= import('./explorer/page');
    explorer.then(setMod, () => {
      explorer = undefined;
      setFailed(true);
    });
  }, []);
  if (failed) return <main class="card form-error">{m.unreachable}</main>;
  if (!mod) return <main class="loading">{m.loading}</main>;
  return <mod.Explorer self={self} code={code || self} />;
}

// The member office's pages, in a row under the bar.
const pages: { to: string; label: (m: Messages) => string }[] = [
  { to: base, label: (m) => m.home },
  { to: base + 'orders', label: (m) => m.orders },
  { to: base + 'team', label: (m) => m.team },
  { to: base + 'team/stats', label: (m) => m.tsNav },
  { to: base + 'register', label: (m) => m.register },
  { to: base + 'statements', label: (m) => m.statements },
  { to: base + 'account', label: (m) => m.account },
  { to: base + 'tickets', label: (m) => m.deskTickets },
];

// Nav is the member office's row of pages; a customer has its tickets only.
function Nav({ customer }: { customer?: boolean }) {
  const m = t.value;
  // The page whose address is the longest start of this one's.
  const r = route(path.value);
  const here = pages
    .map((p) => route(p.to))
    .filter((to) => to === r || (to !== '' && r.startsWith(to + '/')))
    .sort((a, b) => b.length - a.length)[0];
  const shown = customer ? pages.filter((p) => p.to === base + 'tickets') : pages;
  return (
    <nav class="nav" aria-label={m.memberOffice}>
      {shown.map((p) => (
        <a
          key={p.to}
          href={p.to}
          id={`nav-${(route(p.to) || 'home').replace('/', '-')}`}
          aria-current={route(p.to) === here ? 'page' : undefined}
          onClick={(e) => {
            e.preventDefault();
            navigate(p.to);
          }}
        >
          {p.label(m)}
        </a>
      ))}
    </nav>
  );
}
