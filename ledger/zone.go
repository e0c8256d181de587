package ledger

import (
	"fmt"
	"os"
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
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" || name == "" {
		return nil, fmt.Errorf("%w: time zone %q: use an IANA name such as Asia/Shanghai or UTC", ErrInvalid, name)
	}
	return loc, nil
}
