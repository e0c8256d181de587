import type { Messages } from './en';

// 简体中文目录：类型与英文目录相同，缺少或多出的键在构建时报错。
export const zhCN: Messages = {
  appName: 'Downline',
  memberOffice: '会员办公室',
  language: '语言',
  loading: '正在加载…',

  signIn: '登录',
  signingIn: '正在登录…',
  signOut: '退出登录',
  signInTitle: '登录会员办公室',
  login: '登录名',
  password: '密码',
  loginRequired: '请输入登录名。',
  passwordRequired: '请输入密码。',
  wrongPassword: '登录名或密码错误。',
  tooManyAttempts: (seconds: number) => `登录失败次数过多，请 ${seconds} 秒后再试。`,
  sessionEnded: '会话已结束，请重新登录。',

  cookiesRefused: '浏览器未保存登录 Cookie：请通过 https（或 127.0.0.1）访问 Downline。',
  unreachable: '无法连接服务器，请检查网络后重试。',
  serverError: (requestId: string) =>
    requestId ? `服务器未能响应（请求编号 ${requestId}），请重试。` : '服务器未能响应，请重试。',
  notFound: '未找到。',
  notFoundHint: '该页面不存在，或您无权查看。',
  backHome: '返回首页',
  staffOnly: '会员办公室仅供会员使用，员工控制台尚未提供网页版。',

  home: '首页',
  welcome: (name: string) => `您好，${name}`,
  memberCode: '会员编号',
  joined: '加入日期',
  status: '状态',
  sponsor: '推荐人',
  placement: '安置人',
  side: (side: string) => (side === 'L' ? '左区' : side === 'R' ? '右区' : side),

  money: '资金',
  wallet: '钱包余额',
  bonusPayable: '应付奖金',

  team: '团队',
  sponsorTree: '推荐关系',
  placementTree: '安置关系',
  teamMembers: '人数',
  activeMembers: '活跃',
  teamDepth: '层数',
  leg: (head: string, side: string) => (side ? `${side === 'L' ? '左区' : '右区'}（${head}）` : `${head} 市场`),
  moreLegs: (n: number) => `另有 ${n} 个市场`,
  noLegs: '此关系中尚无成员。',

  lastStatement: '上期奖金单',
  period: '期间',
  statementTotal: '合计',
  noStatement: (period: string) => `${period} 尚无已审批的奖金单。`,

  recentOrders: '最近订单',
  noOrders: '暂无订单。',
  orderNo: '订单号',
  placedAt: '下单时间',
  total: '金额',
  pv: 'PV',
  orderStatus: {
    placed: '已下单',
    paid: '已付款',
    confirmed: '已确认',
    shipped: '已发货',
    delivered: '已送达',
    cancelled: '已取消',
  },
  memberStatus: {
    active: '活跃',
    suspended: '已暂停',
    terminated: '已终止',
  },
};
