import { locale, t } from './i18n';
import { contentApi, type ContentItem } from './content';
import { Panel, useLoad } from './load';
import { companyDate } from './format';

// Announcements are the latest new-product announcements published on the
// portal, in the member's language, each linking to its page there.
export function Announcements() {
  const m = t.value;
  const lang = locale.value;
  const news = useLoad(() => contentApi.news('product', lang, 3), [lang]);
  return (
    <Panel title={m.contentAnnouncements} load={news} id="announcements">
      {(p: { items: ContentItem[] }) =>
        p.items.length === 0 ? (
          <p class="empty">{m.contentNoAnnouncements}</p>
        ) : (
          <ul class="announcements">
            {p.items.map((a) => (
              <li key={a.id} data-announcement={a.id}>
                {a.picture && (
                  <img src={a.picture.url} width={a.picture.width} height={a.picture.height} loading="lazy" decoding="async" alt="" />
                )}
                <div>
                  <a href={`/news/${a.id}?lang=${lang}`} class="announcement-title">
                    {lang === 'en' ? a.title_en : a.title_zh}
                  </a>
                  {a.publish_at && <span class="muted"> · {companyDate(a.publish_at)}</span>}
                  {(lang === 'en' ? a.summary_en : a.summary_zh) && <p>{lang === 'en' ? a.summary_en : a.summary_zh}</p>}
                </div>
              </li>
            ))}
          </ul>
        )
      }
    </Panel>
  );
}
