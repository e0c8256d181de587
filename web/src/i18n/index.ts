import { computed, effect, signal } from '@preact/signals';
import { en, type Messages } from './en';
import { zhCN } from './zh-CN';

export type Locale = 'zh-CN' | 'en';
export const locales: { code: Locale; label: string }[] = [
  { code: 'zh-CN', label: '中文' },
  { code: 'en', label: 'English' },
];

const catalogues: Record<Locale, Messages> = { 'zh-CN': zhCN, en };
const storageKey = 'downline.lang';

// pick chooses the language: the one chosen before (remembered in
// localStorage), else the first of the browser's languages that the UI
// speaks, else English.
function pick(): Locale {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'zh-CN' || saved === 'en') return saved;
  } catch {
    // storage disabled: fall through to the browser's languages
  }
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const p of prefs) {
    const l = (p || '').toLowerCase();
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

export const locale = signal<Locale>(pick());
export const t = computed<Messages>(() => catalogues[locale.value]);

export function setLocale(l: Locale) {
  locale.value = l;
  try {
    localStorage.setItem(storageKey, l);
  } catch {
    // not remembered, still switched
  }
}

// area names the app in the page's title: the member office unless the
// staff console says otherwise.
export const area = signal<(m: Messages) => string>((m) => m.memberOffice);

effect(() => {
  document.documentElement.lang = locale.value;
  const m = catalogues[locale.value];
  document.title = `${m.appName} · ${area.value(m)}`;
});
