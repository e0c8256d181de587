// The English catalogue. Its shape is the type every catalogue must have
// (Messages): a key missing from or added to another language fails the
// type check of the build.
export const en = {
  appName: 'Downline',
  memberOffice: 'Member office',
  language: 'Language',
  loading: 'Loading…',

  signIn: 'Sign in',
  signingIn: 'Signing in…',
  signOut: 'Sign out',
  signInTitle: 'Sign in to the member office',
  login: 'Login',
  password: 'Password',
  loginRequired: 'Enter your login.',
  passwordRequired: 'Enter your password.',
  wrongPassword: 'Wrong login or password.',
  tooManyAttempts: (seconds: number) => `Too many failed sign-ins. Try again in ${seconds} seconds.`,
  sessionEnded: 'Your session has ended. Sign in again.',

  cookiesRefused: 'The browser did not keep the sign-in cookie: open Downline over https (or on 127.0.0.1).',
  unreachable: 'The server cannot be reached. Check your connection and try again.',
  serverError: (requestId: string) =>
    requestId ? `The server failed to answer (request ${requestId}). Try again.` : 'The server failed to answer. Try again.',
  notFound: 'Not found.',
  notFoundHint: 'This page does not exist, or it is not yours to see.',
  backHome: 'Back to the home page',
  staffOnly: 'The member office is for members. The staff consoles are not in the browser yet.',

  home: 'Home',
  welcome: (name: string) => `Hello, ${name}`,
  memberCode: 'Member code',
  joined: 'Joined',
  status: 'Status',
  sponsor: 'Sponsor',
  placement: 'Placement',
  side: (side: string) => (side === 'L' ? 'left' : side === 'R' ? 'right' : side),

  money: 'Money',
  wallet: 'Wallet',
  bonusPayable: 'Bonus payable',

  team: 'Team',
  sponsorTree: 'Sponsor tree',
  placementTree: 'Placement tree',
  teamMembers: 'Members',
  activeMembers: 'Active',
  teamDepth: 'Levels',
  leg: (head: string, side: string) => (side ? `${side === 'L' ? 'Left' : 'Right'} leg (${head})` : `Leg of ${head}`),
  moreLegs: (n: number) => (n === 1 ? 'and 1 more leg' : `and ${n} more legs`),
  noLegs: 'No one in this tree yet.',

  lastStatement: 'Last statement',
  period: 'Period',
  statementTotal: 'Total',
  noStatement: (period: string) => `No approved statement for ${period} yet.`,

  recentOrders: 'Recent orders',
  noOrders: 'No orders yet.',
  orderNo: 'Order',
  placedAt: 'Placed',
  total: 'Amount',
  pv: 'PV',
  orderStatus: {
    placed: 'placed',
    paid: 'paid',
    confirmed: 'confirmed',
    shipped: 'shipped',
    delivered: 'delivered',
    cancelled: 'cancelled',
  } as Record<string, string>,
  memberStatus: {
    active: 'active',
    suspended: 'suspended',
    terminated: 'terminated',
  } as Record<string, string>,
};

export type Messages = typeof en;
