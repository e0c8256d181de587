package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/content"
)

// demoItem is a page or news item of the demo portal, published age
// before now (scheduled for -age ahead when age is negative).
type demoItem struct {
	n   content.NewItem
	age time.Duration
}

const day = 24 * time.Hour

var demoContent = []demoItem{
	{content.NewItem{Kind: content.Page, Slug: "about", Text: content.Text{
		TitleZH: "关于我们", TitleEN: "About us",
		SummaryZH: "我们以科学配方和可追溯的原料，为家庭提供日常营养品。",
		SummaryEN: "We make everyday nutrition for families, from scientific formulas and traceable ingredients.",
		BodyZH:    "公司创立于上海，专注于维生素、蛋白质和草本饮品的研发与生产。\n\n每一批产品都有批次记录，从原料到会员手中全程可追溯。\n\n我们通过遍布全国的会员伙伴和授权服务中心，把产品和健康知识带到每个社区。",
		BodyEN:    "Founded in Shanghai, the company develops and makes vitamins, proteins and herbal drinks.\n\nEvery product carries its batch, traceable from the raw material to the member who receives it.\n\nMember partners and licensed service centres across the country bring the products, and what we know about health, to every neighbourhood.",
	}}, 90 * day},
	{content.NewItem{Kind: content.Page, Slug: "culture", Text: content.Text{
		TitleZH: "企业文化", TitleEN: "Our culture",
		SummaryZH: "诚信、专业、分享。", SummaryEN: "Integrity, expertise, sharing.",
		BodyZH: "诚信：每一笔奖金按公开的制度计算，每一份账单都有据可查。\n\n专业：产品由营养师参与设计，培训帮助会员正确介绍产品。\n\n分享：我们相信健康的生活方式值得分享给身边的人。",
		BodyEN: "Integrity: every bonus is computed by the published plan, and every statement can be checked.\n\nExpertise: nutritionists help design the products, and training helps members present them rightly.\n\nSharing: we believe a healthy way of life is worth sharing with the people around us.",
	}}, 90 * day},
	{content.NewItem{Kind: content.Page, Slug: "contact", Text: content.Text{
		TitleZH: "联系我们", TitleEN: "Contact",
		SummaryZH: "客服热线 400-000-0000（工作日 9:00–18:00）。", SummaryEN: "Customer service 400-000-0000 (weekdays 9:00–18:00, China time).",
		BodyZH: "地址：上海市浦东新区示例路 1 号\n\n邮箱：service@downline.example",
		BodyEN: "Address: 1 Example Road, Pudong, Shanghai\n\nEmail: service@downline.example",
	}}, 90 * day},
	{content.NewItem{Kind: content.Product, SKU: "KIT-500", Text: content.Text{
		TitleZH: "全新入会套装上市", TitleEN: "The new starter kit is here",
		SummaryZH: "一套包含四款明星产品和入门指南。", SummaryEN: "Four of our best-loved products and a getting-started guide, in one box.",
		BodyZH: "新的入会套装包含维生素C、绿茶、蛋白粉和鱼油各一份，以及一本入门指南。\n\n新会员注册时可直接选购。",
		BodyEN: "The new starter kit holds one each of Vitamin C, Green tea, Protein powder and Fish oil, with a getting-started guide.\n\nNew members can order it as they register.",
	}}, 40 * day},
	{content.NewItem{Kind: content.News, Text: content.Text{
		TitleZH: "年度会员大会在杭州举行", TitleEN: "The annual members' meeting in Hangzhou",
		SummaryZH: "两千多名会员伙伴参加了本次大会。", SummaryEN: "More than two thousand member partners came to this year's meeting.",
		BodyZH: "大会回顾了一年来的成绩，并表彰了优秀的服务中心。\n\n下一年度的培训计划也在会上公布。",
		BodyEN: "The meeting looked back on the year and honoured the best service centres.\n\nNext year's training programme was announced there too.",
	}}, 20 * day},
	{content.NewItem{Kind: content.Product, SKU: "OIL-400", Text: content.Text{
		TitleZH: "鱼油新批次通过第三方检测", TitleEN: "New fish oil batches pass independent testing",
		SummaryZH: "每批次检测报告可在会员办公室查阅。", SummaryEN: "Each batch's test report can be read in the member office.",
		BodyZH: "本季度生产的鱼油全部通过第三方实验室的重金属和氧化指标检测。",
		BodyEN: "Every batch of fish oil made this quarter passed an independent laboratory's tests for heavy metals and oxidation.",
	}}, 5 * day},
	{content.NewItem{Kind: content.News, Text: content.Text{
		TitleZH: "春季新品预告", TitleEN: "Coming this spring",
		SummaryZH: "敬请期待。", SummaryEN: "Watch this space.",
		BodyZH: "春季将推出新的草本饮品系列。", BodyEN: "A new range of herbal drinks arrives in spring.",
	}}, -10 * day},
}

// seedContent writes the demo portal's pages and news, in both languages,
// by the demo editor: published in the past, but one scheduled ahead.
func seedContent(ctx context.Context, db *ledger.DB) error {
	now := clock.Now(ctx)
	for _, d := range demoContent {
		err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			if d.age < 0 {
				it, err := content.Create(ctx, tx, d.n, "user:editor")
				if err != nil {
					return err
				}
				_, err = content.Schedule(ctx, tx, it.ID, now.Add(-d.age), "user:editor")
				return err
			}
			// Written and published on the day: under a clock set to it.
			then := clock.With(ctx, clock.Fixed(now.Add(-d.age)))
			it, err := content.Create(then, tx, d.n, "user:editor")
			if err != nil {
				return err
			}
			_, err = content.Publish(then, tx, it.ID, "user:admin")
			return err
		})
		if err != nil {
			return fmt.Errorf("demo content %q: %w", d.n.TitleEN, err)
		}
	}
	return nil
}
