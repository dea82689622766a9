package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// The fictional company behind the demo: Aurora, a maker of home network
// gear and cameras that also sells cloud storage and subscriptions.

// Team is a support team.
type Team struct {
	Name   string // the value of the ticket's team field
	NameZH string // how Chinese-speaking agents write it in notes
	// Specialist teams work office hours on weekdays; the service desk
	// works long days all week, so escalated tickets wait over weekends.
	Specialist bool
	// QueueFactor multiplies how long tickets wait in the team's queue
	// before someone picks them up. Platform and Hardware RMA are
	// understaffed: the bottlenecks the analytics should find.
	QueueFactor float64
}

// Team names as they appear on tickets.
const (
	TeamL1       = "L1 Service Desk"
	TeamNetwork  = "Network"
	TeamBilling  = "Billing"
	TeamMobile   = "Mobile"
	TeamHardware = "Hardware RMA"
	TeamPlatform = "Platform"
)

// Teams lists the support teams.
func Teams() []Team {
	return []Team{
		{Name: TeamL1, NameZH: "一线支持", QueueFactor: 1},
		{Name: TeamNetwork, NameZH: "网络支持组", Specialist: true, QueueFactor: 1},
		{Name: TeamBilling, NameZH: "计费组", Specialist: true, QueueFactor: 0.8},
		{Name: TeamMobile, NameZH: "移动应用组", Specialist: true, QueueFactor: 1.2},
		{Name: TeamHardware, NameZH: "硬件返修组", Specialist: true, QueueFactor: 2},
		{Name: TeamPlatform, NameZH: "平台工程组", Specialist: true, QueueFactor: 4},
	}
}

// Regions where customers and agents are.
var regionNames = []string{"cn-north", "cn-south", "emea", "na", "apac"}

// Regions lists the regions customers and agents are in.
func Regions() []string { return append([]string(nil), regionNames...) }

// regionZone is the local time of a region. Fixed offsets keep the data
// independent of the host's time zone database (and of DST rules).
func regionZone(region string) *time.Location {
	switch region {
	case "cn-north", "cn-south":
		return time.FixedZone("CST", 8*3600)
	case "apac":
		return time.FixedZone("SGT", 8*3600)
	case "emea":
		return time.FixedZone("CET", 3600)
	case "na":
		return time.FixedZone("EST", -5*3600)
	}
	return time.UTC
}

// Agent is a support agent.
type Agent struct {
	Name   string // display name; the ticket's assignee and the actor of their changes
	Team   string
	Region string
	Lang   Lang    // the language the agent writes internal notes in
	Speed  float64 // multiplies how long their work takes; 1 is typical
	Care   float64 // multiplies the chance that their resolutions get reopened
	Lead   bool    // writes the problem tickets of incidents in their team
}

type agentSeed struct {
	name, team, region string
	lead               bool
}

// agentSeeds are the ~30 agents. Chinese agents carry both their Chinese and
// Latin name, as they appear in the agent directory.
var agentSeeds = []agentSeed{
	{"王芳 Wang Fang", TeamL1, "cn-north", false},
	{"刘洋 Liu Yang", TeamL1, "cn-north", false},
	{"陈静 Chen Jing", TeamL1, "cn-south", false},
	{"黄磊 Huang Lei", TeamL1, "cn-south", false},
	{"Sophie Martin", TeamL1, "emea", false},
	{"Lukas Becker", TeamL1, "emea", false},
	{"Emily Johnson", TeamL1, "na", false},
	{"陈伟明 Tan Wei Ming", TeamL1, "apac", false},
	{"张伟 Zhang Wei", TeamNetwork, "cn-south", true},
	{"赵敏 Zhao Min", TeamNetwork, "cn-north", false},
	{"林涛 Lin Tao", TeamNetwork, "cn-south", false},
	{"James O'Connor", TeamNetwork, "emea", false},
	{"Daniel Kim", TeamNetwork, "na", false},
	{"Priya Nair", TeamNetwork, "apac", false},
	{"李娜 Li Na", TeamBilling, "cn-north", false},
	{"周婷 Zhou Ting", TeamBilling, "cn-south", false},
	{"Hannah Schmidt", TeamBilling, "emea", true},
	{"Michael Brown", TeamBilling, "na", false},
	{"Olivia Wilson", TeamBilling, "na", false},
	{"吴昊 Wu Hao", TeamMobile, "cn-north", false},
	{"Carlos Rivera", TeamMobile, "na", true},
	{"Aisha Rahman", TeamMobile, "apac", false},
	{"Tom Fischer", TeamMobile, "emea", false},
	{"孙强 Sun Qiang", TeamHardware, "cn-south", true},
	{"何丽 He Li", TeamHardware, "cn-north", false},
	{"Marco Rossi", TeamHardware, "emea", false},
	{"Kevin Walker", TeamHardware, "na", false},
	{"马超 Ma Chao", TeamPlatform, "cn-north", true},
	{"郭佳 Guo Jia", TeamPlatform, "cn-south", false},
	{"Anna Kowalski", TeamPlatform, "emea", false},
	{"Ryan Lee", TeamPlatform, "na", false},
}

func newAgents(r *rand.Rand) []*Agent {
	out := make([]*Agent, 0, len(agentSeeds))
	for _, s := range agentSeeds {
		lang := LangEN
		if strings.HasPrefix(s.region, "cn-") {
			lang = LangZH
		}
		// Spread speed and care so per-agent performance differs visibly,
		// as it does on any real team.
		out = append(out, &Agent{Name: s.name, Team: s.team, Region: s.region, Lang: lang, Lead: s.lead,
			Speed: math.Exp(r.NormFloat64() * 0.3), Care: math.Exp(r.NormFloat64() * 0.45)})
	}
	return out
}

// Products, as written on tickets.
const (
	ProductRouter  = "Aurora Router AX3000"
	ProductMesh    = "Aurora Mesh M5"
	ProductCam     = "SmartCam 智能摄像头"
	ProductDrive   = "云盘 CloudDrive"
	ProductBilling = "Nimbus Billing"
	ProductApp     = "Aurora Home App"
)

// Products lists the products tickets are about.
func Products() []string {
	return []string{ProductRouter, ProductMesh, ProductCam, ProductDrive, ProductBilling, ProductApp}
}

// deviceModels are the hardware models of each device product.
var deviceModels = map[string][]string{
	ProductRouter: {"AX3000", "AX3000-Pro"},
	ProductMesh:   {"M5", "M5-Pro"},
	ProductCam:    {"C2", "C3-Pro"},
}

// release is one firmware or app version and how many days before "now" it
// shipped; versions are listed oldest first.
type release struct {
	version string
	daysAgo float64
}

// firmwareReleases keep the firmware on tickets plausible for their date.
// The AX3000 timeline around 3.2.0/3.2.1 is overridden by the firmware spike.
var firmwareReleases = map[string][]release{
	"AX3000":     {{"3.1.6", 400}, {"3.1.7", 120}, {"3.1.8", 60}},
	"AX3000-Pro": {{"3.1.6", 400}, {"3.1.8", 75}, {"3.1.9", 20}},
	"M5":         {{"1.4.2", 400}, {"1.5.0", 80}, {"1.5.1", 30}},
	"M5-Pro":     {{"1.4.2", 400}, {"1.5.0", 80}, {"1.5.1", 30}},
	"C2":         {{"2.0.14", 400}, {"2.0.15", 70}},
	"C3-Pro":     {{"2.3.1", 400}, {"2.3.3", 45}},
}

// appReleases of the Aurora Home App before the mobile spike's release.
var appReleases = []release{{"5.0.3", 400}, {"5.1.0", 70}, {"5.1.2", 35}}

// Customer is a demo customer.
type Customer struct {
	ExternalID   string
	Name         string
	Email        string
	Phone        string
	Tier         string
	Region       string
	Organisation string
	Lang         Lang
	weight       float64           // how often they write in; a few write a lot
	models       map[string]string // product -> the model they own, chosen on first ticket
	purchased    map[string]time.Time
	phoneOS      string
}

type org struct {
	name, domain, region string
}

// Organisations use the reserved .example top-level domain (RFC 2606) so that
// no demo address can ever reach a real mailbox when notifications are on.
var orgs = []org{
	{"华兴物流 Huaxing Logistics", "huaxing-logistics.example", "cn-south"},
	{"深圳智联科技 Zhilian Tech", "zhilian-tech.example", "cn-south"},
	{"广州美宜家居 Meiyi Home", "meiyi-home.example", "cn-south"},
	{"佛山顺达制造 Shunda Manufacturing", "shunda-mfg.example", "cn-south"},
	{"北京云图数据 Yuntu Data", "yuntu-data.example", "cn-north"},
	{"天津海润酒店 Hairun Hotels", "hairun-hotels.example", "cn-north"},
	{"北京启明教育 Qiming Education", "qiming-edu.example", "cn-north"},
	{"青岛蓝海贸易 Lanhai Trading", "lanhai-trading.example", "cn-north"},
	{"Northwind Traders", "northwind.example", "na"},
	{"Cascade Dental Group", "cascadedental.example", "na"},
	{"Blue Ridge Realty", "blueridge-realty.example", "na"},
	{"Summit Coworking", "summitcowork.example", "na"},
	{"Harbor Lane Cafés", "harborlane.example", "na"},
	{"Lindqvist & Berg Architects", "lindqvist-berg.example", "emea"},
	{"Fabrikam Retail GmbH", "fabrikam.example", "emea"},
	{"Maison Lefèvre", "maison-lefevre.example", "emea"},
	{"Contoso Clinics Ltd", "contoso-clinics.example", "emea"},
	{"Van Dijk Logistics", "vandijk-logistics.example", "emea"},
	{"Marina Bay Studios", "marinabay-studios.example", "apac"},
	{"Kiwi Fields Farms", "kiwifields.example", "apac"},
	{"Sakura Kitchen Group", "sakura-kitchen.example", "apac"},
	{"Lion City Fitness", "lioncity-fitness.example", "apac"},
}

type pinyinPart struct{ han, latin string }

var zhSurnames = []pinyinPart{
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"}, {"杨", "yang"}, {"黄", "huang"},
	{"赵", "zhao"}, {"周", "zhou"}, {"吴", "wu"}, {"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"},
	{"胡", "hu"}, {"郭", "guo"}, {"何", "he"}, {"林", "lin"}, {"高", "gao"}, {"罗", "luo"}, {"郑", "zheng"},
	{"梁", "liang"}, {"谢", "xie"}, {"宋", "song"}, {"唐", "tang"}, {"许", "xu"}, {"邓", "deng"}, {"冯", "feng"},
}

var zhGiven = []pinyinPart{
	{"伟", "wei"}, {"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"}, {"丽", "li"}, {"强", "qiang"},
	{"磊", "lei"}, {"军", "jun"}, {"洋", "yang"}, {"勇", "yong"}, {"艳", "yan"}, {"杰", "jie"}, {"涛", "tao"},
	{"明", "ming"}, {"超", "chao"}, {"霞", "xia"}, {"平", "ping"}, {"刚", "gang"}, {"子涵", "zihan"},
	{"浩然", "haoran"}, {"欣怡", "xinyi"}, {"宇轩", "yuxuan"}, {"梓萱", "zixuan"}, {"思远", "siyuan"},
	{"雨桐", "yutong"}, {"俊杰", "junjie"}, {"佳怡", "jiayi"}, {"志强", "zhiqiang"}, {"晓燕", "xiaoyan"},
	{"建国", "jianguo"}, {"海燕", "haiyan"}, {"文博", "wenbo"}, {"一鸣", "yiming"},
}

var enFirst = map[string][]string{
	"na":   {"James", "Mary", "Robert", "Jennifer", "Michael", "Linda", "David", "Sarah", "Chris", "Jessica", "Brian", "Ashley", "Kevin", "Megan", "Jason", "Laura", "Eric", "Rachel", "Tyler", "Nicole"},
	"emea": {"Oliver", "Amelia", "Lukas", "Mia", "Hugo", "Léa", "Matteo", "Giulia", "Lars", "Ingrid", "Pieter", "Sanne", "Jakub", "Zofia", "Thomas", "Chloé", "Felix", "Elena", "Noah", "Freya"},
	"apac": {"Wei Jie", "Priya", "Kenji", "Yuki", "Arjun", "Mei Ling", "Jack", "Charlotte", "Rahul", "Siti", "Liam", "Hana", "Ethan", "Aiko", "Ravi", "Grace"},
}

var enLast = map[string][]string{
	"na":   {"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "White", "Harris", "Clark"},
	"emea": {"Müller", "Schmidt", "Dubois", "Bernard", "Rossi", "Bianchi", "Jansen", "de Vries", "Nowak", "Kowalczyk", "Andersson", "Nielsen", "Smith", "Evans", "García", "Fernández", "Weber", "Moreau"},
	"apac": {"Tan", "Lim", "Sato", "Suzuki", "Sharma", "Patel", "Wong", "Ng", "Nguyen", "Wilson", "Thompson", "Kaur", "Goh", "Tanaka", "Lee", "Chua"},
}

// personalDomains stand in for webmail providers, under the reserved
// .example domain for the same reason as the organisation domains.
var personalDomains = map[Lang][]string{
	LangZH: {"qmail.example", "163mail.example", "126mail.example", "foxmail.example"},
	LangEN: {"gmail.example", "outlook.example", "icloud.example", "proton.example"},
}

// asciiFold turns a Latin name into a mailbox part.
var asciiFold = strings.NewReplacer("ü", "u", "é", "e", "è", "e", "á", "a", "í", "i", "ó", "o", "ñ", "n", " ", "", "'", "")

// newCustomers makes n customers across regions and tiers.
func newCustomers(r *rand.Rand, n int) []*Customer {
	regionW := []float64{0.22, 0.22, 0.20, 0.22, 0.14}
	tiers := []string{"standard", "premium", "vip", "enterprise"}
	tierW := []float64{0.62, 0.22, 0.07, 0.09}
	emails := map[string]bool{}
	phones := map[string]bool{}
	out := make([]*Customer, 0, n)
	for i := range n {
		region := regionNames[pickIndex(r, regionW)]
		tier := tiers[pickIndex(r, tierW)]
		c := &Customer{ExternalID: fmt.Sprintf("CUST-%06d", 100001+i), Tier: tier, Region: region,
			models: map[string]string{}, purchased: map[string]time.Time{}}
		zhShare := 0.04
		switch region {
		case "cn-north", "cn-south":
			zhShare = 0.8
		case "apac":
			zhShare = 0.2
		}
		c.Lang = LangEN
		if r.Float64() < zhShare {
			c.Lang = LangZH
		}
		// Business customers belong to an organisation in their region;
		// most consumers belong to none.
		orgShare := map[string]float64{"standard": 0.15, "premium": 0.5, "vip": 0.3, "enterprise": 1}[tier]
		var o *org
		if r.Float64() < orgShare {
			var local []int
			for j := range orgs {
				if orgs[j].region == region || (region == "apac" && orgs[j].region == "cn-south" && c.Lang == LangZH) {
					local = append(local, j)
				}
			}
			if len(local) > 0 {
				o = &orgs[local[r.IntN(len(local))]]
				c.Organisation = o.name
			}
		}
		var local string
		if c.Lang == LangZH {
			s, g := zhSurnames[r.IntN(len(zhSurnames))], zhGiven[r.IntN(len(zhGiven))]
			c.Name = s.han + g.han
			if r.IntN(2) == 0 {
				local = g.latin + "." + s.latin
			} else {
				local = s.latin + g.latin
			}
		} else {
			pool := region
			if _, ok := enFirst[pool]; !ok {
				pool = []string{"na", "emea", "apac"}[r.IntN(3)]
			}
			f, l := enFirst[pool][r.IntN(len(enFirst[pool]))], enLast[pool][r.IntN(len(enLast[pool]))]
			c.Name = f + " " + l
			local = strings.ToLower(asciiFold.Replace(f) + "." + asciiFold.Replace(l))
		}
		domain := personalDomains[c.Lang][r.IntN(len(personalDomains[c.Lang]))]
		if o != nil {
			domain = o.domain
		} else if r.IntN(3) == 0 {
			local += fmt.Sprintf("%d", 1+r.IntN(99))
		}
		email := local + "@" + domain
		for k := 2; emails[email]; k++ {
			email = fmt.Sprintf("%s%d@%s", local, k, domain)
		}
		emails[email] = true
		c.Email = email
		phone := newPhone(r, region, 0)
		for try := 1; phones[phone]; try++ {
			phone = newPhone(r, region, try)
		}
		phones[phone] = true
		c.Phone = phone
		// A heavy-tailed activity: most customers write once or twice, a
		// few write every other week. Businesses write more.
		c.weight = math.Exp(r.NormFloat64() * 0.65)
		if tier == "enterprise" {
			c.weight *= 2
		}
		out = append(out, c)
	}
	return out
}

// newPhone returns a phone number of the region. Where a country reserves
// numbers for fiction (UK 07700 900xxx, US 555-01xx) those ranges are used
// first; they hold only a thousand numbers each, so after a few collisions
// the number is drawn from a wider range.
func newPhone(r *rand.Rand, region string, try int) string {
	wide := try > 8
	switch region {
	case "cn-north", "cn-south":
		prefixes := []string{"138", "139", "186", "135", "158", "177", "189", "131"}
		return fmt.Sprintf("+86 %s %04d %04d", prefixes[r.IntN(len(prefixes))], r.IntN(10000), r.IntN(10000))
	case "emea":
		if r.IntN(2) == 0 && !wide {
			return fmt.Sprintf("+44 7700 900%03d", r.IntN(1000))
		}
		return fmt.Sprintf("+49 30 %08d", r.IntN(100000000))
	case "na":
		areas := []string{"212", "415", "312", "206", "617", "512", "303", "404", "646", "773"}
		if wide {
			return fmt.Sprintf("+1 %s-555-%04d", areas[r.IntN(len(areas))], r.IntN(10000))
		}
		return fmt.Sprintf("+1 %s-555-01%02d", areas[r.IntN(len(areas))], r.IntN(100))
	default:
		return fmt.Sprintf("+65 %d%03d %04d", 6+r.IntN(3), r.IntN(1000), r.IntN(10000))
	}
}

// fields is the customer object of a created change.
func (c *Customer) fields() map[string]any {
	m := map[string]any{"external_id": c.ExternalID, "email": c.Email, "phone": c.Phone, "name": c.Name,
		"tier": c.Tier, "region": c.Region}
	if c.Organisation != "" {
		m["organisation"] = c.Organisation
	}
	return m
}

// pickIndex picks an index with probability proportional to its weight.
func pickIndex(r *rand.Rand, w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	u := r.Float64() * total
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

// picker draws indexes in proportion to fixed weights in O(log n), for the
// draws made once per ticket over large tables. It draws exactly as
// pickIndex does.
type picker []float64 // cumulative weights

func newPicker(w []float64) picker {
	p := make(picker, len(w))
	total := 0.0
	for i, x := range w {
		total += x
		p[i] = total
	}
	return p
}

func (p picker) pick(r *rand.Rand) int {
	u := r.Float64() * p[len(p)-1]
	return min(len(p)-1, sort.Search(len(p), func(i int) bool { return p[i] > u }))
}

// pickOne picks one of the strings uniformly.
func pickOne(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }
