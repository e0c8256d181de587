package ledger

import (
	"fmt"
	"os"
	"sync"
	"time"
	_ "time/tzdata" // the company's zone on any host
)

// The company's time zone is a setting of the installation, read by
// CompanyZone and nowhere else: the API, the command line and the demo take
// their default zone from it.
const (
	// CompanyZoneEnv names the environment variable that sets it.
	CompanyZoneEnv = "COMPANY_TZ"
	// DefaultCompanyZone is the zone when the variable is unset or empty.
	DefaultCompanyZone = "Asia/Shanghai"
)

// CompanyZone is the company's time zone, where dates without a zone are
// read (plans' effective dates, cut-offs) and where periods begin and end
// (midnight there): the IANA zone named by $COMPANY_TZ, Asia/Shanghai when
// it is unset. A settlement period records the zone its boundaries were
// computed in.
//
// Errors: ErrInvalid when $COMPANY_TZ names no zone.
func CompanyZone() (*time.Location, error) {
	name := os.Getenv(CompanyZoneEnv)
	if name == "" {
		name = DefaultCompanyZone
	}
	loc, err := LoadZone(name)
	if err != nil {
		return nil, fmt.Errorf("$%s: %w", CompanyZoneEnv, err)
	}
	return loc, nil
}

// LoadZone loads the IANA zone name. "Local", the host's zone, is refused:
// it would make period boundaries depend on the machine.
//
// Errors: ErrInvalid for a name that is not an IANA zone.
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" || name == "" {
		return nil, fmt.Errorf("%w: time zone %q: use an IANA name such as Asia/Shanghai or UTC", ErrInvalid, name)
	}
	zones.Store(name, loc)
	return loc, nil
}

// zones keeps the zones loaded: reading the zone database on every request
// that needs the company's zone costs more than the request.
var zones sync.Map // name -> *time.Location

// ParseWhen reads a moment given without a zone, such as a plan's effective
// date or a period's cut-off, in loc: YYYY-MM-DD (midnight), YYYY-MM-DD HH:MM,
// YYYY-MM-DDTHH:MM:SS or an RFC 3339 time. what names the value in the error.
func ParseWhen(what, s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q: want YYYY-MM-DD, YYYY-MM-DD HH:MM or RFC 3339", what, s)
}
