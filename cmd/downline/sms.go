package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"downline/api"
	"downline/ledger"
	"downline/sms"
)

// startSMS starts the notifier and the sender (when run: a worker's part)
// when SMS is configured (any TWILIO_* credential or sender set), and
// returns what the API mounts (nil: SMS is off). A configuration Twilio would refuse (say an auth token that
// is not 32 letters and digits) is said once, here, in words, and SMS stays
// off while the server serves everything else: nothing is queued that could
// not be sent, and nothing fails message by message.
func startSMS(ctx context.Context, db *ledger.DB, cfg sms.Config, log *slog.Logger, run bool) *api.SMS {
	if !cfg.Enabled() {
		return nil
	}
	client, err := sms.NewClient(cfg)
	if err != nil {
		log.Error("SMS disabled: " + strings.ReplaceAll(err.Error(), "\n", "; "))
		return nil
	}
	cfg = cfg.Defaults()
	if cfg.PublicURL == "" {
		log.Warn("SMS: PUBLIC_URL is not set: inbound texts and status callbacks will be refused")
	}
	webhooks := &api.SMS{Webhooks: sms.NewWebhooks(db, cfg), PricePerSegment: cfg.PricePerSegment}
	if !run {
		return webhooks
	}
	sender := &sms.Sender{DB: db, Client: client, Rate: cfg.Rate, Log: log}
	if cfg.PublicURL != "" {
		sender.StatusCallback = cfg.PublicURL + "/sms/status"
	}
	notifier := &sms.Notifier{DB: db, Sender: sender, Horizon: cfg.Horizon, Log: log}
	// The start is recorded before serving: an event written once the
	// server answers is after it, and texted. (Should this fail, the
	// notifier's first catch-up records it.)
	if _, _, err := notifier.Start(ctx); err != nil {
		log.Warn("SMS notifier: will retry", "err", err)
	}
	for name, run := range map[string]func(context.Context) error{"sender": sender.Run, "notifier": notifier.Run} {
		go func() {
			if err := run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("SMS "+name+" stopped", "err", err)
			}
		}()
	}
	log.Info("SMS on", "api", cfg.APIURL, "rate_per_second", cfg.Rate, "horizon", cfg.Horizon)
	return webhooks
}

func newSMSCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "sms", Short: "SMS: bulk messages, templates, staff phones"}
	cmd.AddCommand(newSMSBulkCmd("preview"), newSMSBulkCmd("send-bulk"), newSMSTemplatesCmd(), newSMSStaffPhoneCmd())
	return cmd
}

func newSMSBulkCmd(use string) *cobra.Command {
	cmd := &cobra.Command{Use: use, Args: cobra.NoArgs}
	if use == "preview" {
		cmd.Short = "Recipients, segments and cost of a bulk message"
	} else {
		cmd.Short = "Queue a bulk message to a segment; --send also sends it at $SMS_RATE per second with progress"
	}
	cfg := withDatabase(cmd)
	var b sms.Bulk
	cmd.Flags().StringVar(&b.BodyZH, "zh", "", "text for members reading Chinese")
	cmd.Flags().StringVar(&b.BodyEN, "en", "", "text for members reading English")
	cmd.Flags().StringVar(&b.Segment.Region, "region", "", "phone prefix, e.g. +86")
	cmd.Flags().StringVar(&b.Segment.Agency, "agency", "", "members who bought through this agency")
	cmd.Flags().StringVar(&b.Segment.Team, "team", "", "this member and its sponsor downline")
	cmd.Flags().IntVar(&b.Segment.ActiveDays, "active-days", 0, "members with a confirmed order in the last N days")
	cmd.Flags().IntVar(&b.Segment.InactiveDays, "inactive-days", 0, "members without one")
	cmd.Flags().StringVar(&b.Segment.Lang, "lang", "", "zh-CN or en only")
	cmd.Flags().StringVar(&b.Segment.Rank, "rank", "", "members holding this rank in the latest approved settlement run")
	by := cmd.Flags().String("by", "hq", "who sends it")
	send := cmd.Flags().Bool("send", false, "send-bulk: send the queue now (needs TWILIO_*) and report progress")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		conf := cfg.config()
		db, err := conf.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		smsConf := conf.SMS
		out := json.NewEncoder(cmd.OutOrStdout())
		out.SetIndent("", "  ")
		if use == "preview" {
			p, err := sms.PreviewBulk(ctx, db.Pool, b, smsConf.PricePerSegment)
			if err != nil {
				return err
			}
			return out.Encode(p)
		}
		b.By = *by
		id, p, err := sms.QueueBulk(ctx, db, b, smsConf.PricePerSegment)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "queued bulk %d: %d recipients, %d segments, estimated cost %s\n", id, p.Recipients, p.Segments, p.Cost.StringFixed(2))
		if !*send {
			return nil
		}
		client, err := sms.NewClient(smsConf)
		if err != nil {
			return err
		}
		s := &sms.Sender{DB: db, Client: client, Rate: smsConf.Rate}
		done := make(chan error, 1)
		started := time.Now()
		go func() { _, err := s.Drain(ctx); done <- err }()
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case err := <-done:
				pr, _ := sms.BulkProgress(ctx, db.Pool, id)
				fmt.Fprintf(cmd.OutOrStdout(), "bulk %d done in %s: %v\n", id, time.Since(started).Round(time.Millisecond), pr.ByState)
				return err
			case <-tick.C:
				if pr, err := sms.BulkProgress(ctx, db.Pool, id); err == nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "bulk %d: %.1f%% (%v)\n", id, pr.Percent, pr.ByState)
				}
			}
		}
	}
	return cmd
}

func newSMSTemplatesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "templates [KIND LANG BODY]", Short: "List the templates with their segment counts, or set one", Args: cobra.RangeArgs(0, 3)}
	cfg := withDatabase(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		db, err := cfg.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		if len(args) > 0 {
			if len(args) < 2 {
				return errors.New("give KIND LANG and BODY (an empty BODY restores the built-in text)")
			}
			body := ""
			if len(args) == 3 {
				body = args[2]
			}
			v, err := sms.SetTemplate(ctx, db.Pool, args[0], args[1], body, "cli")
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %d segment(s) %s, %d units (%d left in the last)\n", v.Kind, v.Lang, v.Segments.Count, v.Segments.Encoding, v.Segments.Units, v.Segments.Left)
			return nil
		}
		t, err := sms.LoadTemplates(ctx, db.Pool)
		if err != nil {
			return err
		}
		for _, v := range t.View() {
			fmt.Fprintf(cmd.OutOrStdout(), "%-22s %-5s %d×%s %3d units  %s\n", v.Kind, v.Lang, v.Segments.Count, v.Segments.Encoding, v.Segments.Units, v.Body)
		}
		return nil
	}
	return cmd
}

func newSMSStaffPhoneCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "staff-phone LOGIN PHONE", Short: "Set the phone at which a staff user hears of low stock", Args: cobra.ExactArgs(2)}
	cfg := withDatabase(cmd)
	lang := cmd.Flags().String("lang", "zh-CN", "zh-CN or en")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		db, err := cfg.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			return sms.SetStaffPhone(ctx, tx, args[0], args[1], *lang)
		})
	}
	return cmd
}
