import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { t } from '../i18n';
import type { Messages } from '../i18n/en';
import { base, navigate, path, route } from '../router';
import { check, user } from '../session';
import { Bar } from '../bar';
import { SignIn } from '../signin';
import { NotFound } from '../notfound';
import { describe, type Msg } from '../errors';
import { PaymentQueue } from './payments';
import { ShipQueue } from './shipments';
import { SettlementPeriod, Settlement } from './settlement';
import { LotFinder, LotJourney } from './lots';
import { AgencyConsole } from './agency';
import { SMSConsole } from './sms';
import { Members } from './members';
import { Audit, Users } from './users';
import { StockPage } from './stock';
import { ContentEditor, ContentList } from './content';
import { Catalogue, ProductPage } from './catalogue';
import { ReturnsPage } from './returns';

const failure = signal<Msg | null>(null);

// A page of the staff console and the roles that have it. The API refuses
// the others anyway; the console does not offer them.
interface StaffPage {
  route: string;
  roles: string[];
  label: (m: Messages) => string;
  render: (params: string[]) => preact.JSX.Element;
  // match, for a page with parameters in its address, answers them (or
  // null when route is not this page's).
  match?: (route: string) => string[] | null;
}

const pages: StaffPage[] = [
  { route: 'finance/payments', roles: ['admin', 'finance'], label: (m) => m.paymentQueue, render: () => <PaymentQueue /> },
  { route: 'settlement', roles: ['admin', 'finance'], label: (m) => m.settlement, render: () => <Settlement /> },
  {
    route: 'settlement/*',
    roles: ['admin', 'finance'],
    label: (m) => m.settlement,
    render: ([code]) => <SettlementPeriod code={code} />,
    match: (r) => r.match(/^settlement\/([^/]+)$/)?.slice(1) ?? null,
  },
  { route: 'warehouse/shipments', roles: ['admin', 'warehouse'], label: (m) => m.shipQueue, render: () => <ShipQueue /> },
  { route: 'analytics/lots', roles: ['admin', 'analyst'], label: (m) => m.lotJourney, render: () => <LotSearchPage /> },
  {
    route: 'analytics/lots/*',
    roles: ['admin', 'analyst'],
    label: (m) => m.lotJourney,
    render: ([sku, batch]) => <LotJourney sku={sku} batch={batch} />,
    match: (r) => r.match(/^analytics\/lots\/([^/]+)\/([^/]+)$/)?.slice(1) ?? null,
  },
  { route: 'agency', roles: ['agency'], label: (m) => m.agencyConsole, render: () => <AgencyConsole /> },
  { route: 'sms', roles: ['admin'], label: (m) => m.smsConsole, render: () => <SMSConsole /> },
  { route: 'members', roles: ['admin', 'finance'], label: (m) => m.hqMembers, render: () => <Members /> },
  {
    route: 'members/*',
    roles: ['admin', 'finance'],
    label: (m) => m.hqMembers,
    render: () => <Members />,
    match: (r) => r.match(/^members\/([^/]+)$/)?.slice(1) ?? null,
  },
  { route: 'users', roles: ['admin'], label: (m) => m.hqUsers, render: () => <Users /> },
  { route: 'audit', roles: ['admin'], label: (m) => m.hqAudit, render: () => <Audit /> },
  { route: 'warehouse/stock', roles: ['admin', 'warehouse'], label: (m) => m.hqStock, render: () => <StockPage /> },
  { route: 'content', roles: ['admin', 'editor'], label: (m) => m.contentTitle, render: () => <ContentList /> },
  {
    route: 'content/*',
    roles: ['admin', 'editor'],
    label: (m) => m.contentTitle,
    render: ([id]) => <ContentEditor id={id} />,
    match: (r) => r.match(/^content\/(\d+|new)$/)?.slice(1) ?? null,
  },
  { route: 'warehouse/returns', roles: ['admin', 'warehouse'], label: (m) => m.rtTitle, render: () => <ReturnsPage /> },
  { route: 'catalogue', roles: ['admin'], label: (m) => m.cgTitle, render: () => <Catalogue /> },
  {
    route: 'catalogue/*',
    roles: ['admin'],
    label: (m) => m.cgTitle,
    render: ([sku]) => <ProductPage sku={sku} />,
    match: (r) => r.match(/^catalogue\/([^/]+)$/)?.slice(1) ?? null,
  },
];

function LotSearchPage() {
  const m = t.value;
  return (
    <main class="staff-page">
      <section class="card">
        <h1>{m.lotFindTitle}</h1>
        <LotFinder />
      </section>
    </main>
  );
}

const pagesOf = (role: string) => pages.filter((p) => p.roles.includes(role));
// navOf are the pages of the navigation: those without parameters.
const navOf = (role: string) => pagesOf(role).filter((p) => !p.match);

export function StaffApp() {
  useEffect(() => {
    check().catch((e) => (failure.value = describe(e)));
  }, []);
  const m = t.value;
  const u = user.value;
  let body;
  if (failure.value) body = <main class="card form-error">{failure.value(m)}</main>;
  else if (u === undefined) body = <main class="loading">{m.loading}</main>;
  else if (u === null) body = <SignIn title={(m) => m.staffSignInTitle} />;
  else body = <Page role={u.role} />;
  const mine = u ? navOf(u.role) : [];
  return (
    <div class="shell staff">
      <Bar area={(m) => m.staffConsole} home={base} onError={(e) => (failure.value = e)} />
      {mine.length > 0 && <Nav pages={mine} />}
      {body}
    </div>
  );
}

function Page({ role }: { role: string }) {
  const m = t.value;
  const r = route(path.value);
  const mine = pagesOf(role);
  if (r === '') {
    if (mine.length) return <Redirect to={base + mine[0].route} />;
    return <NotAllowed member={role === 'member' || role === 'customer'} text={m.noStaffPages} />;
  }
  let params: string[] = [];
  const page = pages.find((p) => (p.match ? (params = p.match(r) ?? []).length > 0 : p.route === r));
  if (!page) return <NotFound />;
  if (!page.roles.includes(role)) return <NotAllowed member={role === 'member' || role === 'customer'} text={m.notAllowedHint} />;
  return page.render(params.map(decodeURIComponent));
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function NotAllowed({ member, text }: { member: boolean; text: string }) {
  const m = t.value;
  return (
    <main class="card" id="not-allowed">
      <h1>{m.notAllowed}</h1>
      <p>{text}</p>
      {member && (
        <p>
          {m.memberGoesToOffice} <a href="/app/">{m.openMemberOffice}</a>
        </p>
      )}
    </main>
  );
}

function Nav({ pages }: { pages: StaffPage[] }) {
  const m = t.value;
  const here = route(path.value);
  return (
    <nav class="nav" aria-label={m.staffNav}>
      {pages.map((p) => (
        <a
          key={p.route}
          href={base + p.route}
          id={`nav-${p.route.replace('/', '-')}`}
          aria-current={p.route === here || here.startsWith(p.route + '/') ? 'page' : undefined}
          onClick={(e) => {
            e.preventDefault();
            navigate(base + p.route);
          }}
        >
          {p.label(m)}
        </a>
      ))}
    </nav>
  );
}
