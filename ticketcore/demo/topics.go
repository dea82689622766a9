package demo

// Lang is the language a ticket or note is written in.
type Lang int

// Languages of the demo data.
const (
	LangEN Lang = iota
	LangZH
)

// Tag returns the BCP 47 tag of the language.
func (l Lang) Tag() string {
	if l == LangZH {
		return "zh-CN"
	}
	return "en"
}

// bi is a text in English and Chinese, indexed by Lang.
type bi [2]string

// topic is one kind of problem customers write about. Tickets of a topic
// share wording, diagnosis and resolution, with variable details filled in,
// so that similar-case search and KB mining find real clusters.
type topic struct {
	key      string
	product  string // "" picks one of the device products (shipping questions)
	category string
	typ      string // ticket type
	owner    string // team that resolves it
	partner  string // team it is wrongly sent to before coming back (ping-pong)
	weight   float64
	urgency  [4]float64 // weights of low, medium, high, critical

	subjects [2][]string
	descs    [2][]string
	ask      bi // the agent asks the customer for details
	note     bi // the resolving agent's diagnosis, an internal note
	bounce   bi // why the ticket is sent to the partner team
	// resolutions are alternative fixes; most topics have one, so that
	// resolved tickets of a topic agree.
	resolutions []bi

	workHours float64 // median hours of hands-on work before resolution
	askP      float64 // chance the agent needs details from the customer
	pingPongP float64 // chance of a hand-off to the partner and back
	// waitReason is a pending reason other than the customer (a courier,
	// the bank, another team), waitP its chance and waitDays its median length.
	waitReason string
	waitP      float64
	waitDays   float64

	fields   []string // custom fields set on the created change
	features []string // affected_features this topic can report
	errs     []string // error codes customers quote
	tags     []string
	orderRef string // which variable is the order reference, if any
}

// topics are the baseline topics, then the topics only spikes use (weight 0).
func topics() []*topic {
	return []*topic{
		{
			key: "router-wifi-drops", product: ProductRouter, category: "connectivity", typ: "incident",
			owner: TeamNetwork, partner: TeamHardware, weight: 6, urgency: [4]float64{1, 5, 3, 0.3},
			subjects: [2][]string{
				{"Wi-Fi keeps dropping on {model}", "{model} disconnects every few minutes", "Wireless connection unstable since last week"},
				{"{model} WiFi 频繁掉线", "路由器无线每隔几分钟断开一次", "家里WiFi时断时续，很不稳定"},
			},
			descs: [2][]string{
				{"My {model} (firmware {fw}) drops all Wi-Fi clients every few minutes. Wired devices stay online. The 5 GHz network is the worst; phones fall back to 2.4 GHz and then lose the connection entirely. I already rebooted the router twice.",
					"Since a few days every device on Wi-Fi loses the connection several times an hour, then reconnects after a minute. Router: {model}, firmware {fw}. The cable to my desktop is fine."},
				{"我的{model}（固件{fw}）每隔几分钟所有无线设备都会断开，有线设备正常。5G频段最严重，手机会切到2.4G然后完全断网。已经重启过两次路由器，没有改善。",
					"这几天WiFi一小时断好几次，过一分钟又自己连上。路由器型号{model}，固件{fw}，台式机走网线没有问题。"},
			},
			ask: bi{"Could you export the system log (Settings > Advanced > System Log > Export) and tell us roughly how many devices are connected?",
				"麻烦导出一下系统日志（设置 > 高级 > 系统日志 > 导出），并告诉我们大概有多少台设备连接？"},
			note: bi{"Log shows repeated DFS radar events on channels 52-64; the radio vacates the channel and clients drop. Interference, not a hardware fault.",
				"日志显示52-64信道反复触发DFS雷达检测，射频退避导致终端掉线。属于干扰问题，不是硬件故障。"},
			bounce: bi{"Drops on every band after a reboot could be a failing radio; asking Hardware RMA to check the diagnostics.",
				"重启后各频段都掉线，可能是射频硬件故障，请硬件返修组看一下诊断数据。"},
			resolutions: []bi{{
				"Root cause: the 5 GHz radio was on a DFS channel and kept vacating it after radar detection, which dropped all clients. Fix: set the 5 GHz channel manually to 36/40/44/48 (Settings > Wireless > 5 GHz > Channel) and turned off Smart Connect. Customer confirmed the connection has been stable for 24 hours.",
				"原因：5G频段工作在DFS信道，检测到雷达信号后频繁退避，导致所有终端断线。处理：在 设置 > 无线 > 5G > 信道 中手动设置为36/40/44/48，并关闭智能连接（Smart Connect）。用户确认24小时内连接稳定。",
			}},
			workHours: 10, askP: 0.45, pingPongP: 0.12,
			fields: []string{"device_model", "firmware_version", "purchase_date", "affected_features"}, features: []string{"wifi_5g", "wifi_2g"},
			tags: []string{"wifi"},
		},
		{
			key: "router-slow-speed", product: ProductRouter, category: "performance", typ: "question",
			owner: TeamNetwork, weight: 4, urgency: [4]float64{3, 5, 1, 0},
			subjects: [2][]string{
				{"Internet much slower than my {speed_plan} Mbps plan", "Slow speeds through {model}", "Only {speed} Mbps on a {speed_plan} Mbps line"},
				{"网速只有{speed}M，宽带是{speed_plan}M", "接路由器后网速变慢", "{model}跑不满宽带"},
			},
			descs: [2][]string{
				{"My ISP plan is {speed_plan} Mbps but through the {model} I only get about {speed} Mbps on speed tests, both on Wi-Fi and on cable. Plugging the laptop directly into the modem gives full speed.",
					"Speed tests through the router top out at {speed} Mbps. The ISP ({isp}) says the line delivers {speed_plan} Mbps and it does when I bypass the {model}."},
				{"我家宽带是{speed_plan}M，但是通过{model}测速只有{speed}M左右，无线和有线都一样。电脑直接接光猫可以跑满。",
					"{isp}的宽带{speed_plan}M，经过路由器后测速最多{speed}M，绕过{model}直连就正常。"},
			},
			ask: bi{"Please send a screenshot of Settings > Advanced > NAT Boost and QoS, and tell us your connection type (PPPoE or DHCP).",
				"请截图 设置 > 高级 > NAT加速 和 QoS 页面，并告知宽带拨号方式（PPPoE还是DHCP）。"},
			note: bi{"NAT Boost is off and a QoS bandwidth limit of 100 Mbps is set; that caps throughput.",
				"NAT加速处于关闭状态，QoS限速设置为100M，导致吞吐受限。"},
			resolutions: []bi{{
				"Root cause: hardware NAT acceleration was disabled and a QoS bandwidth limit left from an earlier setup capped throughput. Fix: enabled NAT Boost (Settings > Advanced > NAT Boost) and removed the QoS limit. Speed test now shows {speed_plan} Mbps on cable and close to the plan speed on 5 GHz Wi-Fi.",
				"原因：硬件NAT加速被关闭，且QoS中保留了之前设置的限速，导致吞吐受限。处理：开启NAT加速（设置 > 高级 > NAT加速），删除QoS限速规则。有线测速已达到{speed_plan}M，5G无线接近签约速率。",
			}},
			workHours: 6, askP: 0.5,
			fields: []string{"device_model", "firmware_version"}, features: []string{"wan"},
			tags: []string{"speed"},
		},
		{
			key: "router-pppoe", product: ProductRouter, category: "setup", typ: "question",
			owner: TeamL1, partner: TeamNetwork, weight: 3.5, urgency: [4]float64{1, 5, 2, 0},
			subjects: [2][]string{
				{"Can't get online after setup - PPPoE error {err}", "New router won't connect to the internet"},
				{"新路由器设置后无法上网，PPPoE报错{err}", "拨号失败 错误码{err}"},
			},
			descs: [2][]string{
				{"I just set up my {model}. The setup wizard says 'PPPoE authentication failed ({err})'. The old router worked with the same account yesterday."},
				{"刚买的{model}，按向导设置后提示“PPPoE认证失败（{err}）”。昨天旧路由器用同一个宽带账号还能正常上网。"},
			},
			ask: bi{"Could you confirm the broadband username and password with your ISP ({isp}) and tell us whether the old router is still connected?",
				"请和运营商（{isp}）确认宽带账号和密码，并告知旧路由器是否还连接着光猫？"},
			note: bi{"Classic MAC binding at the ISP: the account is bound to the old router's WAN MAC.",
				"典型的运营商MAC绑定问题：宽带账号绑定了旧路由器的WAN口MAC。"},
			bounce: bi{"Customer re-entered the credentials and still gets the error; asking Network to check the WAN negotiation.",
				"用户重新输入账号密码仍报错，请网络支持组检查WAN口协商。"},
			resolutions: []bi{{
				"Root cause: the ISP had bound the broadband account to the old router's WAN MAC address, so authentication failed ({err}). Fix: enabled MAC Clone (Settings > Internet > MAC Clone > use the old router's MAC) and re-entered the PPPoE credentials; the ISP can also unbind the old MAC. Router is online.",
				"原因：运营商将宽带账号与旧路由器WAN口MAC绑定，导致认证失败（{err}）。处理：开启MAC地址克隆（设置 > 上网设置 > MAC克隆 > 填入旧路由器MAC），重新输入PPPoE账号密码；也可联系运营商解绑旧MAC。路由器已正常上网。",
			}},
			workHours: 2, askP: 0.4, pingPongP: 0.1,
			fields: []string{"device_model", "purchase_date"}, features: []string{"wan"}, errs: []string{"691", "651", "678"},
			tags: []string{"setup", "pppoe"},
		},
		{
			key: "router-update-failed", product: ProductRouter, category: "firmware", typ: "incident",
			owner: TeamNetwork, partner: TeamHardware, weight: 1.8, urgency: [4]float64{0, 3, 4, 1},
			subjects: [2][]string{
				{"Firmware update stuck at {pct}%", "{model} update failed, router now unresponsive"},
				{"固件升级卡在{pct}%", "{model}升级失败后无法进入管理页面"},
			},
			descs: [2][]string{
				{"I started the update to the latest firmware from the app. It stopped at {pct}% and after 30 minutes I power-cycled it. Now the LED blinks orange and 192.168.1.1 does not load."},
				{"在App里点了升级最新固件，进度卡在{pct}%，等了30分钟后断电重启，现在指示灯橙色闪烁，192.168.1.1打不开。"},
			},
			ask: bi{"Please tell us the LED pattern after power-on and whether you have a computer with a network port.",
				"请告诉我们通电后指示灯的状态，以及是否有带网口的电脑可以用网线连接。"},
			note: bi{"Bootloader is fine (orange blink = recovery mode). Web recovery should work, no RMA needed.",
				"Bootloader正常（橙灯闪烁=恢复模式），可通过网页恢复模式刷机，无需返修。"},
			bounce: bi{"Router does not boot after the update; looks bricked, asking Hardware RMA about a replacement.",
				"升级后无法启动，疑似变砖，请硬件返修组评估换新。"},
			resolutions: []bi{{
				"Root cause: the update was interrupted and the firmware image was incomplete, so the router booted into recovery mode. Fix: guided the customer through recovery: cable to LAN1, PC set to 192.168.1.10, open http://192.168.1.1/recovery and upload firmware {fw_latest} from the download centre. Router booted normally and settings were restored from the cloud backup.",
				"原因：升级过程被中断，固件写入不完整，路由器进入恢复模式。处理：指导用户用网线连接LAN1口，电脑设置IP为192.168.1.10，打开 http://192.168.1.1/recovery 上传官网下载的{fw_latest}固件。路由器正常启动，配置已从云端备份恢复。",
			}},
			workHours: 5, askP: 0.35, pingPongP: 0.2,
			fields: []string{"device_model", "firmware_version", "purchase_date"},
			tags:   []string{"firmware"},
		},
		{
			key: "router-hardware-fault", product: ProductRouter, category: "hardware", typ: "incident",
			owner: TeamHardware, partner: TeamNetwork, weight: 1.8, urgency: [4]float64{0, 3, 4, 0.5},
			subjects: [2][]string{
				{"{model} won't power on", "Router LED solid red, no Wi-Fi"},
				{"{model}无法开机", "路由器红灯常亮，没有WiFi信号"},
			},
			descs: [2][]string{
				{"Bought the {model} on {purchase} (order {order}). Since this morning the LED is solid red and no networks are broadcast. Tried another outlet and a factory reset with the pin; nothing changes."},
				{"{purchase}购买的{model}（订单号{order}），今天早上开始指示灯红色常亮，搜不到WiFi。换了插座，也用针按了复位键，没有任何变化。"},
			},
			ask: bi{"Please send a photo of the label on the bottom (serial number) and of the LEDs, so we can start a warranty replacement.",
				"请拍一下底部标签（序列号）和指示灯的照片，我们为您办理保修换新。"},
			note: bi{"Solid red after reset = power/radio board self-test failure. Within warranty; RMA approved.",
				"复位后红灯常亮=电源/射频板自检失败。在保修期内，已批准返修。"},
			bounce: bi{"Before an RMA: asking Network to rule out a firmware problem remotely.",
				"返修前先请网络支持组远程排除固件问题。"},
			resolutions: []bi{{
				"Hardware fault confirmed (power board self-test fails, solid red LED after reset). Warranty replacement RMA-{rma} approved; a new {model} was shipped with a prepaid return label for the faulty unit. Customer confirmed the replacement works.",
				"确认为硬件故障（电源板自检失败，复位后红灯常亮）。已批准保修换新，返修单号RMA-{rma}，新的{model}已寄出，并附上故障机的预付退货面单。用户确认新机使用正常。",
			}},
			workHours: 8, askP: 0.6, pingPongP: 0.15, waitReason: "waiting_on_third_party", waitP: 0.8, waitDays: 4,
			fields: []string{"device_model", "firmware_version", "purchase_date"}, orderRef: "order",
			tags: []string{"rma", "warranty"},
		},
		{
			key: "router-parental-controls", product: ProductRouter, category: "parental_controls", typ: "question",
			owner: TeamL1, weight: 1.3, urgency: [4]float64{4, 4, 0.5, 0},
			subjects: [2][]string{
				{"Parental controls schedule not working", "Kids' devices still online after bedtime"},
				{"家长控制的上网时间不起作用", "孩子的设备到点了还能上网"},
			},
			descs: [2][]string{
				{"I set a schedule in parental controls to block the kids' tablets from 21:00, but they are still online at 23:00. Router {model}, firmware {fw}."},
				{"在家长控制里设置了晚上9点后禁止孩子的平板上网，结果11点还能上。路由器{model}，固件{fw}。"},
			},
			ask: bi{"Could you send a screenshot of the parental control profile and of Settings > System > Time?",
				"请截图家长控制的配置页面和 设置 > 系统 > 时间 页面。"},
			note: bi{"Router time zone is UTC and the kids' phones use private (random) MAC addresses.",
				"路由器时区为UTC，孩子的手机开启了随机MAC地址。"},
			resolutions: []bi{{
				"Root cause: the router's time zone was set to UTC, so the schedule ran hours off, and the kids' phones used private (random) MAC addresses. Fix: set the correct time zone (Settings > System > Time), turned off 'Private Wi-Fi address' on the kids' devices and re-added them to the profile. The schedule now blocks at the set time.",
				"原因：路由器时区设置为UTC，导致时间表偏差数小时，且孩子的手机开启了随机MAC地址。处理：在 设置 > 系统 > 时间 中改为正确时区，关闭孩子设备上的“私有WiFi地址”，并重新加入家长控制配置。现在可按设定时间断网。",
			}},
			workHours: 2, askP: 0.4,
			fields: []string{"device_model", "firmware_version", "affected_features"}, features: []string{"parental_controls"},
			tags: []string{"parental-controls"},
		},
		{
			key: "mesh-node-offline", product: ProductMesh, category: "connectivity", typ: "incident",
			owner: TeamNetwork, partner: TeamHardware, weight: 3, urgency: [4]float64{1, 5, 2, 0},
			subjects: [2][]string{
				{"Mesh satellite keeps going offline", "{model} node shows offline in the app"},
				{"Mesh卫星节点频繁离线", "{model}子节点在App里显示离线"},
			},
			descs: [2][]string{
				{"I have a 3-node {model} system. The node upstairs goes offline several times a day and the app shows 'Node disconnected ({err})'. The main node is fine."},
				{"家里是三只装的{model}，楼上的节点每天会离线好几次，App提示“节点已断开（{err}）”，主节点正常。"},
			},
			ask: bi{"How far is the satellite from the main node (rooms, floors, walls), and can you share a screenshot of the Topology page in the app?",
				"请问卫星节点和主节点之间隔了几个房间、楼层或墙？能否截图App中的网络拓扑页面？"},
			note: bi{"Backhaul RSSI -78 dBm on the upstairs node; placement issue.",
				"楼上节点回程信号-78dBm，属于摆放位置问题。"},
			bounce: bi{"Node drops even when close by? Asking Hardware RMA whether this unit is faulty.",
				"节点离得不远也掉线，请硬件返修组确认是否为故障机。"},
			resolutions: []bi{{
				"Root cause: the satellite was too far from the main node (backhaul signal around -78 dBm through two floors), so it dropped whenever interference rose. Fix: moved the satellite towards the stairwell (backhaul now -60 dBm) and re-paired it with the WPS button; recommended wired Ethernet backhaul where possible. No disconnects since.",
				"原因：卫星节点离主节点太远（隔两层楼，回程信号约-78dBm），干扰稍大就会断开。处理：将卫星节点移到楼梯口附近（回程信号提升到-60dBm），并通过WPS键重新配对；建议条件允许时使用有线回程。之后未再离线。",
			}},
			workHours: 9, askP: 0.55, pingPongP: 0.12,
			fields: []string{"device_model", "firmware_version", "purchase_date", "affected_features"}, features: []string{"mesh"},
			errs: []string{"M-201", "M-204"}, tags: []string{"mesh"},
		},
		{
			key: "mesh-pairing", product: ProductMesh, category: "setup", typ: "question",
			owner: TeamL1, weight: 2, urgency: [4]float64{2, 5, 1, 0},
			subjects: [2][]string{
				{"Can't add second {model} node", "Pairing fails during mesh setup"},
				{"无法添加第二个{model}节点", "Mesh组网配对一直失败"},
			},
			descs: [2][]string{
				{"The app finds the new node but pairing fails with '{err}' after a couple of minutes. The main node works."},
				{"App能搜到新节点，但配对几分钟后提示“{err}”失败。主节点正常使用。"},
			},
			ask: bi{"Please confirm both nodes show the same firmware version and that the new node's LED blinks white before pairing.",
				"请确认两个节点固件版本一致，并且配对前新节点指示灯为白色闪烁。"},
			note: bi{"New node shipped with older firmware; pairing needs the same major version.",
				"新节点出厂固件较旧，组网要求主版本号一致。"},
			resolutions: []bi{{
				"Root cause: the new node shipped with older firmware than the main node, and pairing needs the same major version. Fix: factory-reset the new node (hold reset 10 s until the LED blinks white), connected it by cable to update to {fw_latest}, then paired it in the app within 2 minutes of pressing the pair button. Both nodes now show online.",
				"原因：新节点出厂固件版本比主节点旧，组网要求主版本号一致。处理：长按复位键10秒至白灯闪烁恢复出厂，用网线连接升级到{fw_latest}，再在按下配对键后2分钟内于App中完成添加。两个节点均显示在线。",
			}},
			workHours: 2, askP: 0.45,
			fields: []string{"device_model", "purchase_date"}, errs: []string{"M-110", "M-112"}, tags: []string{"mesh", "setup"},
		},
		{
			key: "cam-offline", product: ProductCam, category: "connectivity", typ: "incident",
			owner: TeamNetwork, partner: TeamMobile, weight: 3.2, urgency: [4]float64{1, 5, 2, 0.2},
			subjects: [2][]string{
				{"Camera shows offline in the app", "SmartCam {model} keeps disconnecting from Wi-Fi"},
				{"摄像头在App里显示离线", "{model}摄像头总是断开WiFi"},
			},
			descs: [2][]string{
				{"My SmartCam {model} shows 'Device offline' in the Aurora Home app although the status light is blue. It worked until we changed the router settings last weekend."},
				{"我的SmartCam {model}在App中显示“设备离线”，但摄像头状态灯是蓝色的。上周末改了路由器设置之后就一直这样。"},
			},
			ask: bi{"Which Wi-Fi band and security mode does your router use now (2.4/5 GHz, WPA2/WPA3)?",
				"请问路由器现在用的是哪个频段和加密方式（2.4G/5G、WPA2/WPA3）？"},
			note: bi{"Router switched to WPA3-only with a merged SSID; the cam supports only 2.4 GHz WPA2.",
				"路由器改成了仅WPA3且双频合一，摄像头只支持2.4G WPA2。"},
			bounce: bi{"Camera is online on the device side; could be the app's device list. Asking Mobile to check.",
				"设备端显示在线，可能是App设备列表的问题，请移动应用组查看。"},
			resolutions: []bi{{
				"Root cause: the router was changed to WPA3-only with a merged 2.4/5 GHz network name, and the SmartCam supports only 2.4 GHz with WPA2. Fix: set the router's security to WPA2/WPA3 mixed, created a separate 2.4 GHz network name, then re-added the camera in the app (Add device > SmartCam > scan QR code). Camera online and recording.",
				"原因：路由器改为仅WPA3加密且双频合一，而SmartCam只支持2.4G WPA2。处理：将路由器加密方式改为WPA2/WPA3混合，单独设置2.4G的WiFi名称，然后在App中重新添加摄像头（添加设备 > SmartCam > 扫描二维码）。摄像头已在线并正常录像。",
			}},
			workHours: 6, askP: 0.5, pingPongP: 0.15,
			fields: []string{"device_model", "firmware_version", "affected_features"}, features: []string{"live_view", "recording"},
			tags: []string{"camera-offline"},
		},
		{
			key: "cam-night-vision", product: ProductCam, category: "hardware", typ: "incident",
			owner: TeamHardware, weight: 1.4, urgency: [4]float64{1, 5, 1, 0},
			subjects: [2][]string{
				{"Night vision image is black", "{model} infrared not working at night"},
				{"夜视画面全黑", "{model}晚上红外不亮"},
			},
			descs: [2][]string{
				{"For a few days the {model} has shown a completely black picture at night. During the day the image is fine. Purchased {purchase}."},
				{"这几天{model}晚上画面全黑，白天正常。{purchase}购买的。"},
			},
			ask: bi{"Please check that Settings > Night vision is on 'Auto' and send a screenshot of a night-time clip.",
				"请确认 设置 > 夜视模式 为“自动”，并截图一段夜间录像。"},
			note: bi{"Night mode on Auto, IR LEDs do not light in the dark test: IR board failure.",
				"夜视已设为自动，暗室测试红外灯不亮：红外板故障。"},
			resolutions: []bi{{
				"Night vision setting was correct (Auto) but the IR LEDs no longer light up: IR board failure. Warranty replacement RMA-{rma} shipped; the customer added the new camera in the app and night vision works.",
				"夜视设置正确（自动），但红外灯已不亮，判定为红外板故障。已保修换新，返修单号RMA-{rma}；用户已在App中添加新摄像头，夜视正常。",
			}},
			workHours: 6, askP: 0.6, waitReason: "waiting_on_third_party", waitP: 0.7, waitDays: 4,
			fields: []string{"device_model", "firmware_version", "purchase_date", "affected_features"}, features: []string{"night_vision"},
			tags: []string{"rma", "warranty"},
		},
		{
			key: "cam-recording-missing", product: ProductCam, category: "recording", typ: "incident",
			owner: TeamPlatform, partner: TeamBilling, weight: 1.8, urgency: [4]float64{1, 4, 2, 0},
			subjects: [2][]string{
				{"Cloud recordings missing", "No recordings between {h1}:00 and {h2}:00"},
				{"云存储录像丢失", "{h1}点到{h2}点之间没有录像"},
			},
			descs: [2][]string{
				{"The event history of my {model} has gaps: nothing was recorded between {h1}:00 and {h2}:00 yesterday although there was movement. The camera was online the whole time."},
				{"{model}的事件记录有缺失：昨天{h1}点到{h2}点之间明明有人走动却没有录像，摄像头一直在线。"},
			},
			ask: bi{"Could you confirm your cloud storage plan is active (Me > Cloud storage) and whether a motion zone is configured?",
				"请确认云存储套餐是否有效（我的 > 云存储），以及是否设置了移动侦测区域？"},
			note: bi{"Cloud plan renewal failed (card expired), recording was paused; not a platform outage.",
				"云存储续费失败（银行卡过期），录像被暂停；不是平台故障。"},
			bounce: bi{"Recording gap matches a failed renewal; asking Billing to check the subscription.",
				"录像缺失时间与续费失败时间吻合，请计费组核查订阅状态。"},
			resolutions: []bi{{
				"Root cause: the cloud storage renewal failed because the saved card had expired, so cloud recording paused for the gap. Fix: the customer updated the payment card, the plan was renewed and recording resumed; we added 7 days of free storage as a goodwill gesture. The missing period cannot be recovered.",
				"原因：绑定的银行卡过期导致云存储自动续费失败，期间云录像暂停。处理：用户更新支付卡后套餐已续费，录像恢复；作为补偿赠送7天云存储。缺失时段的录像无法恢复。",
			}},
			workHours: 8, askP: 0.4, pingPongP: 0.2,
			fields: []string{"device_model", "affected_features"}, features: []string{"recording"},
			tags: []string{"cloud-recording"},
		},
		{
			key: "cam-sd-card", product: ProductCam, category: "storage", typ: "question",
			owner: TeamL1, weight: 1.4, urgency: [4]float64{4, 4, 0.3, 0},
			subjects: [2][]string{
				{"SD card not recognised by camera", "{model} says 'No SD card'"},
				{"摄像头识别不到SD卡", "{model}提示“未插入存储卡”"},
			},
			descs: [2][]string{
				{"I inserted a {sd} GB microSD card into the {model} but the app still says 'No SD card'. The card works in my laptop."},
				{"给{model}插了一张{sd}G的TF卡，App还是提示“未插入存储卡”，这张卡在电脑上能用。"},
			},
			ask: bi{"What file system is the card formatted with (you can see it in the card's properties on your computer)?",
				"请问这张卡是什么文件系统格式（在电脑上查看存储卡属性即可）？"},
			note: bi{"Card formatted NTFS; the cam reads FAT32/exFAT only.",
				"存储卡为NTFS格式，摄像头只支持FAT32/exFAT。"},
			resolutions: []bi{{
				"Root cause: the card was formatted as NTFS, which the camera cannot read (cards up to 256 GB formatted FAT32 or exFAT are supported). Fix: formatted the card from the app (Settings > Storage > Format SD card); the camera now shows the full capacity and records locally.",
				"原因：存储卡为NTFS格式，摄像头无法识别（支持256G以内FAT32/exFAT格式的卡）。处理：在App中格式化存储卡（设置 > 存储 > 格式化SD卡），摄像头已识别全部容量并开始本地录像。",
			}},
			workHours: 1.5, askP: 0.35,
			fields: []string{"device_model", "affected_features"}, features: []string{"recording"},
			tags: []string{"sd-card"},
		},
		{
			key: "drive-sync-stuck", product: ProductDrive, category: "sync", typ: "incident",
			owner: TeamPlatform, partner: TeamMobile, weight: 3, urgency: [4]float64{1, 5, 2, 0.2},
			subjects: [2][]string{
				{"Files stuck at 'Waiting to sync'", "CloudDrive not syncing on {pc_os}"},
				{"文件一直显示“等待同步”", "云盘电脑端不同步了"},
			},
			descs: [2][]string{
				{"About {n} files in my CloudDrive folder have shown 'Waiting to sync' since yesterday. Client {client_ver} on {pc_os}. Uploading on the web works."},
				{"云盘文件夹里大约{n}个文件从昨天开始一直“等待同步”，客户端版本{client_ver}，系统{pc_os}。网页端上传正常。"},
			},
			ask: bi{"Please send the sync log (tray icon > Help > Export diagnostics).",
				"请发送同步日志（托盘图标 > 帮助 > 导出诊断信息）。"},
			note: bi{"Diagnostics: local sync index corrupted after the disk ran full; server side fine.",
				"诊断：磁盘写满后本地同步索引损坏，服务端正常。"},
			bounce: bi{"Customer also syncs from the phone; asking Mobile whether the app holds a lock on these files.",
				"用户手机端也在同步，请移动应用组确认App是否锁定了这些文件。"},
			resolutions: []bi{{
				"Root cause: the local sync index was corrupted after the disk ran full, so the client could not queue uploads. Fix: quit the client, rebuilt the sync index (Settings > Advanced > Rebuild sync index), signed in again and updated to client 4.8.2. All {n} files synced within an hour.",
				"原因：磁盘写满后本地同步索引损坏，客户端无法加入上传队列。处理：退出客户端，重建同步索引（设置 > 高级 > 重建同步索引），重新登录并升级到4.8.2版本客户端。{n}个文件在一小时内全部同步完成。",
			}},
			workHours: 8, askP: 0.55, pingPongP: 0.12,
			fields: []string{"affected_features"}, features: []string{"sync", "backup"},
			tags: []string{"sync"},
		},
		{
			key: "drive-quota", product: ProductDrive, category: "storage", typ: "question",
			owner: TeamL1, weight: 2, urgency: [4]float64{3, 5, 0.5, 0},
			subjects: [2][]string{
				{"Storage full although I deleted files", "CloudDrive shows {used} GB used but my folders are smaller"},
				{"删了文件云盘空间还是满的", "云盘显示已用{used}G，实际没那么多"},
			},
			descs: [2][]string{
				{"I deleted a lot of videos yesterday but CloudDrive still says my {quota} GB are full and uploads fail."},
				{"昨天删了很多视频，但云盘还是提示{quota}G空间已满，无法上传。"},
			},
			ask: bi{"Could you check whether the deleted videos are still in the Recycle Bin on the web?",
				"请在网页端看一下删除的视频是否还在回收站里？"},
			note: bi{"Recycle bin holds {used} GB; deleted files still count for 30 days.",
				"回收站占用{used}G，删除的文件30天内仍计入容量。"},
			resolutions: []bi{{
				"Deleted files stay in the Recycle Bin for 30 days and still count toward the quota. Fix: emptied the Recycle Bin (Web > Recycle Bin > Empty); the quota was recalculated within an hour and uploads work again.",
				"已删除的文件会在回收站保留30天，仍然占用空间。处理：清空回收站（网页端 > 回收站 > 清空），一小时内容量重新计算，上传恢复正常。",
			}},
			workHours: 1, askP: 0.25,
			fields: []string{"affected_features"}, features: []string{"backup"},
			tags: []string{"quota"},
		},
		{
			key: "drive-share-link", product: ProductDrive, category: "sharing", typ: "question",
			owner: TeamL1, weight: 1.5, urgency: [4]float64{3, 5, 1, 0},
			subjects: [2][]string{
				{"Share link says 'expired'", "Recipients can't open my shared folder"},
				{"分享链接提示已过期", "别人打不开我分享的文件夹"},
			},
			descs: [2][]string{
				{"I shared a folder with a client two days ago and today they get 'This link has expired'."},
				{"前天给客户分享了一个文件夹，今天对方打开提示“链接已失效”。"},
			},
			ask: bi{"Which validity did you choose when creating the link (Share > Link settings)?",
				"请问创建链接时选择的有效期是多久（分享 > 链接设置）？"},
			note: bi{"Link created with the default 1-day validity of the Standard plan.",
				"链接使用了标准版默认的1天有效期。"},
			resolutions: []bi{{
				"Share links default to a 1-day validity on this plan. Fix: recreated the link with validity set to 'Permanent' (Share > Link settings > Validity) and an access code; the recipient can open the folder.",
				"当前套餐的分享链接默认有效期为1天。处理：重新创建分享链接，将有效期设为“永久”（分享 > 链接设置 > 有效期）并设置提取码，对方已能正常打开。",
			}},
			workHours: 1, askP: 0.3,
			fields: []string{"affected_features"}, features: []string{"sharing"},
			tags: []string{"sharing"},
		},
		{
			key: "drive-restore", product: ProductDrive, category: "data_recovery", typ: "request",
			owner: TeamPlatform, weight: 1, urgency: [4]float64{0, 3, 4, 1},
			subjects: [2][]string{
				{"Accidentally deleted a folder - can you restore it?", "Need to recover folder '{folder}'"},
				{"误删了一个文件夹，能恢复吗？", "想找回被删除的“{folder}”文件夹"},
			},
			descs: [2][]string{
				{"I deleted the folder '{folder}' about {days} days ago and emptied the recycle bin. It contained {n} files I need for work."},
				{"大约{days}天前删除了“{folder}”文件夹并清空了回收站，里面有{n}个工作要用的文件。"},
			},
			ask: bi{"To restore data we need to verify ownership: please reply from the account's email and name the folder's approximate size.",
				"恢复数据需要验证账号归属：请用账号绑定的邮箱回复，并告知文件夹大致大小。"},
			note: bi{"Snapshot from before the deletion exists; restore job queued.",
				"删除前的快照存在，已提交恢复任务。"},
			resolutions: []bi{{
				"Restored the folder '{folder}' ({n} files) from the server-side snapshot (kept 30 days after permanent deletion) to its original location. Customer confirmed the files are complete.",
				"已从服务端快照（彻底删除后保留30天）将“{folder}”文件夹（{n}个文件）恢复到原位置，用户确认文件完整。",
			}},
			workHours: 12, askP: 0.5, waitReason: "waiting_on_internal", waitP: 0.4, waitDays: 1,
			tags: []string{"restore"},
		},
		{
			key: "billing-invoice", product: ProductBilling, category: "invoice", typ: "request",
			owner: TeamBilling, weight: 2.6, urgency: [4]float64{4, 5, 0.5, 0},
			subjects: [2][]string{
				{"Need a VAT invoice for {invoice}", "Invoice with our company details"},
				{"申请开具增值税专用发票", "发票抬头需要改成公司名称"},
			},
			descs: [2][]string{
				{"Please issue a VAT invoice for payment {invoice} with our company name and VAT number. Our finance team needs it by month end."},
				{"请为账单{invoice}开具增值税专用发票，抬头为我们公司，财务月底前需要。"},
			},
			ask: bi{"Please send the company name, VAT number and billing address exactly as they should appear.",
				"请提供发票抬头、纳税人识别号、地址电话及开户行信息。"},
			note: bi{"Invoice profile updated; reissuing {invoice}.",
				"已更新开票资料，重新开具{invoice}。"},
			resolutions: []bi{{
				"Issued a VAT invoice for {invoice} with the company details provided and sent it to the billing contact; future invoices carry these details automatically (Billing > Invoice profile).",
				"已按提供的开票信息为{invoice}开具增值税专用发票并发送至财务邮箱；已更新开票资料（账单 > 发票信息），之后的发票将自动使用该抬头。",
			}},
			workHours: 5, askP: 0.6,
			fields: []string{"affected_features"}, features: []string{"invoices"}, orderRef: "invoice",
			tags: []string{"invoice"},
		},
		{
			key: "billing-refund", product: ProductBilling, category: "refund", typ: "request",
			owner: TeamBilling, partner: TeamL1, weight: 2, urgency: [4]float64{1, 5, 2, 0},
			subjects: [2][]string{
				{"Refund request for my {plan} plan", "Cancelled but still charged {amount}"},
				{"申请退款：{plan}套餐", "已取消订阅仍被扣费{amount}"},
			},
			descs: [2][]string{
				{"I cancelled my {plan} subscription on {cancel_date} but was charged {amount} on the renewal date. Please refund it."},
				{"我在{cancel_date}取消了{plan}订阅，但续费日还是被扣了{amount}，请退款。"},
			},
			ask: bi{"Could you send the last four digits of the card and a screenshot of the cancellation confirmation?",
				"请提供扣款银行卡后四位以及取消订阅成功的截图。"},
			note: bi{"Cancellation logged after the renewal run; courtesy refund approved.",
				"取消操作晚于续费扣款，已按特殊情况批准退款。"},
			bounce: bi{"Account shows two customer profiles; sending back to L1 to confirm which one the customer uses.",
				"该用户有两个账户，退回一线确认用户实际使用的是哪一个。"},
			resolutions: []bi{{
				"The cancellation was made after the renewal had been processed. As a courtesy we refunded the renewal charge of {amount} to the original payment method (5-7 business days) and confirmed the subscription is cancelled.",
				"用户取消订阅时续费已完成扣款。作为特殊处理，已将续费金额{amount}原路退回（5-7个工作日到账），并确认订阅已取消。",
			}},
			workHours: 6, askP: 0.45, pingPongP: 0.15,
			fields: []string{"refund_amount", "affected_features"}, features: []string{"payments"}, orderRef: "invoice",
			tags: []string{"refund"},
		},
		{
			key: "billing-payment-failed", product: ProductBilling, category: "billing", typ: "incident",
			owner: TeamBilling, partner: TeamPlatform, weight: 1.8, urgency: [4]float64{0, 4, 3, 0.3},
			subjects: [2][]string{
				{"Payment declined when renewing", "Can't renew - card error {err}"},
				{"续费时支付失败", "付款提示错误{err}"},
			},
			descs: [2][]string{
				{"My {plan} renewal fails with '{err}'. The card works everywhere else and has enough funds."},
				{"{plan}续费一直失败，提示“{err}”。这张卡在别的地方都能正常付款，余额也充足。"},
			},
			ask: bi{"Did your bank app show a confirmation request, and from where did you try to renew (app or web)?",
				"请问银行App是否弹出过验证请求？您是在App还是网页上续费的？"},
			note: bi{"Gateway log: 3-D Secure challenge required, old app version does not show it.",
				"支付网关日志：需要3-D Secure验证，旧版App不显示验证页面。"},
			bounce: bi{"Gateway returns a timeout before the decline; asking Platform to check the payment service.",
				"拒付前网关返回超时，请平台工程组检查支付服务。"},
			resolutions: []bi{{
				"Root cause: the bank required a 3-D Secure confirmation and the renewal page of the older app version did not prompt for it. Fix: the customer renewed from the web billing page (Billing > Payment methods > Retry) and completed the 3-D Secure step; the subscription is active again.",
				"原因：银行要求3-D Secure验证，而旧版App续费页面没有弹出验证。处理：用户在网页账单页（账单 > 支付方式 > 重试）完成续费及验证，订阅已恢复。",
			}},
			workHours: 4, askP: 0.45, pingPongP: 0.15,
			fields: []string{"affected_features"}, features: []string{"payments"}, errs: []string{"PAY-3DS-401", "PAY-402"},
			tags: []string{"payment"},
		},
		{
			key: "billing-plan-change", product: ProductBilling, category: "billing", typ: "question",
			owner: TeamBilling, weight: 1.4, urgency: [4]float64{5, 3, 0, 0},
			subjects: [2][]string{
				{"How do I downgrade from {plan} to Standard?", "Changing plan in the middle of the cycle"},
				{"如何从{plan}降级到标准版？", "套餐中途变更怎么计费"},
			},
			descs: [2][]string{
				{"We no longer need all {plan} features. If I downgrade now, do I get the difference back?"},
				{"我们不再需要{plan}的全部功能，如果现在降级，差价会退吗？"},
			},
			ask:  bi{"Should the downgrade apply to all users of the account?", "请问降级是否适用于账号下所有成员？"},
			note: bi{"Standard policy: downgrade at next renewal, no pro-rata refund.", "按标准政策：下个周期降级，不按比例退款。"},
			resolutions: []bi{{
				"Explained that downgrades take effect at the next renewal and the remaining time is not refunded; scheduled the downgrade to Standard for the next billing date (Billing > Plan > Change plan).",
				"已说明降级将在下一个续费周期生效，剩余时间不退款；已为用户预约在下次账单日降级为标准版（账单 > 套餐 > 变更套餐）。",
			}},
			workHours: 2, askP: 0.2,
			tags: []string{"plan-change"},
		},
		{
			key: "billing-double-charge", product: ProductBilling, category: "billing", typ: "complaint",
			owner: TeamBilling, partner: TeamPlatform, weight: 0.4, urgency: [4]float64{0, 3, 5, 1},
			subjects: [2][]string{
				{"Charged twice for my {plan} renewal", "Duplicate charge of {amount}"},
				{"续费被重复扣款两次", "同一笔订阅扣了两次{amount}"},
			},
			descs: [2][]string{
				{"My card statement shows two identical charges of {amount} for invoice {invoice} today. Please refund the duplicate.",
					"We were billed twice for the {plan} renewal ({invoice}, {amount} each). This is not acceptable, please fix it immediately."},
				{"今天银行卡有两笔相同的{amount}扣款，对应账单{invoice}，请退还重复扣的那一笔。",
					"{plan}续费被扣了两次（账单{invoice}，每次{amount}），请尽快处理退款。"},
			},
			ask: bi{"Could you send a screenshot of the card statement showing both charges?", "请提供显示两笔扣款的银行账单截图。"},
			note: bi{"Payment gateway retried the capture after a timeout; two captures on the same invoice.",
				"支付网关超时后重试扣款，同一账单产生两次扣款。"},
			bounce: bi{"Two captures with one invoice id: asking Platform to check the gateway retries.",
				"同一账单号两次扣款，请平台工程组检查网关重试逻辑。"},
			resolutions: []bi{{
				"Root cause: the payment gateway retried the capture after a timeout, so invoice {invoice} was charged twice. Fix: refunded the duplicate charge of {amount} to the original card (3-5 business days) and sent the refund confirmation.",
				"原因：支付网关超时后重试扣款，导致账单{invoice}被扣款两次。处理：已将重复扣取的{amount}原路退回（3-5个工作日到账），并发送退款确认。",
			}},
			workHours: 4, askP: 0.3, pingPongP: 0.2,
			fields: []string{"refund_amount", "affected_features"}, features: []string{"payments"}, orderRef: "invoice",
			tags: []string{"double-charge", "refund"},
		},
		{
			key: "app-login-code", product: ProductApp, category: "login", typ: "incident",
			owner: TeamMobile, partner: TeamPlatform, weight: 2.6, urgency: [4]float64{1, 5, 2, 0.2},
			subjects: [2][]string{
				{"Verification code never arrives", "Can't log in to the Aurora Home app"},
				{"收不到短信验证码", "Aurora Home App 登录不了"},
			},
			descs: [2][]string{
				{"When I try to log in on my phone ({os}) the SMS code never arrives, even after 5 attempts. App version {app_ver}."},
				{"手机（{os}）登录时一直收不到短信验证码，试了5次。App版本{app_ver}。"},
			},
			ask: bi{"Could you check whether messages from short numbers are blocked by a spam filter, and confirm the phone number on the account?",
				"请检查手机是否拦截了短信（骚扰拦截），并确认账号绑定的手机号。"},
			note: bi{"SMS gateway shows delivered; handset filter plus the hourly rate limit after 5 requests.",
				"短信网关显示已送达，手机拦截加上5次请求后的频率限制。"},
			bounce: bi{"SMS gateway shows failures for this number range; asking Platform.",
				"短信网关对该号段有发送失败记录，请平台工程组排查。"},
			resolutions: []bi{{
				"Root cause: the phone's spam filter blocked the verification SMS from the short sender number, and after 5 requests the account hit the hourly rate limit. Fix: cleared the rate limit, the customer whitelisted the sender and logged in; also enabled email login as a fallback (Me > Security > Login methods).",
				"原因：手机骚扰拦截屏蔽了验证码短信，且5次请求后触发每小时频率限制。处理：已解除频率限制，用户将发送号码加入白名单后成功登录，并开启邮箱登录作为备用（我的 > 账号安全 > 登录方式）。",
			}},
			workHours: 3, askP: 0.45, pingPongP: 0.15,
			fields: []string{"app_version", "affected_features"}, features: []string{"login"},
			tags: []string{"login", "sms"},
		},
		{
			key: "app-crash", product: ProductApp, category: "app_crash", typ: "incident",
			owner: TeamMobile, weight: 1.8, urgency: [4]float64{0, 5, 3, 0.2},
			subjects: [2][]string{
				{"App crashes on start", "Aurora Home closes right after opening"},
				{"App一打开就闪退", "Aurora Home 启动闪退"},
			},
			descs: [2][]string{
				{"Since yesterday the app crashes right after the splash screen on my {phone} ({os}), app {app_ver}. Reinstalling did not help."},
				{"从昨天开始，我的{phone}（{os}）打开App启动页后就闪退，版本{app_ver}，重装也没用。"},
			},
			ask: bi{"Could you send a screen recording and the exact phone model? Settings > About phone shows it.",
				"请录一段闪退的屏幕录像，并告知具体手机型号（设置 > 关于手机）。"},
			note: bi{"Crash report: exception while reading the local device cache; known for upgrades from 5.0.x.",
				"崩溃日志：读取本地设备缓存时异常，从5.0.x升级的用户会出现。"},
			resolutions: []bi{{
				"Root cause: a corrupted local device cache crashed the app at start-up. Fix: the customer updated to the latest version and cleared the app data (Android: Settings > Apps > Aurora Home > Storage > Clear data; iOS: offload and reinstall), then signed in again. No crashes since.",
				"原因：本地设备缓存损坏导致App启动时崩溃。处理：用户升级到最新版本并清除App数据（安卓：设置 > 应用 > Aurora Home > 存储 > 清除数据；iOS：卸载App保留数据后重新安装），重新登录后不再闪退。",
			}},
			workHours: 4, askP: 0.5,
			fields: []string{"app_version", "affected_features"}, features: []string{"live_view", "notifications"},
			tags: []string{"crash"},
		},
		{
			key: "app-notifications", product: ProductApp, category: "notifications", typ: "question",
			owner: TeamMobile, weight: 1.5, urgency: [4]float64{3, 5, 1, 0},
			subjects: [2][]string{
				{"No motion alerts on my phone", "Push notifications stopped"},
				{"收不到移动侦测推送", "App通知突然收不到了"},
			},
			descs: [2][]string{
				{"The camera records motion events but my {phone} ({os}) no longer gets any alerts. Notifications are enabled in the app."},
				{"摄像头能录到移动侦测事件，但我的{phone}（{os}）收不到任何推送，App里通知是开着的。"},
			},
			ask: bi{"Is battery saving or a 'sleeping apps' list active on the phone?", "请问手机是否开启了省电模式或“休眠应用”名单？"},
			note: bi{"Push delivery receipts missing: the OS kills the app in the background.",
				"推送回执缺失：系统在后台杀掉了App进程。"},
			resolutions: []bi{{
				"Root cause: the phone's battery optimisation stopped the app in the background, so push notifications were not delivered. Fix: allowed notifications for Aurora Home, excluded it from battery optimisation and set 'Alerts' to 'All motion' in the camera settings. A test alert arrived within seconds.",
				"原因：手机省电策略在后台关闭了App，导致推送无法送达。处理：允许Aurora Home通知，将其加入省电白名单，并在摄像头设置中将“提醒”设为“所有移动”。测试推送几秒内即收到。",
			}},
			workHours: 2, askP: 0.4,
			fields: []string{"app_version", "affected_features"}, features: []string{"notifications"},
			tags: []string{"notifications"},
		},
		{
			key: "account-password", product: ProductApp, category: "account", typ: "request",
			owner: TeamL1, weight: 2.6, urgency: [4]float64{1, 5, 2, 0},
			subjects: [2][]string{
				{"Password reset link not working", "Locked out of my account"},
				{"重置密码链接打不开", "账号被锁定了"},
			},
			descs: [2][]string{
				{"I requested a password reset for {email} but the link says 'expired' when I click it. Now the account says it is locked."},
				{"我给{email}申请了重置密码，但点开链接提示“已过期”，现在账号还显示被锁定。"},
			},
			ask: bi{"Please confirm the last device you signed in from so we can verify the account.",
				"请告知最近一次登录使用的设备，以便核实账号。"},
			note: bi{"Account locked after 5 failed attempts; customer used an older reset mail.",
				"连续5次密码错误导致锁定，用户点开的是旧的重置邮件。"},
			resolutions: []bi{{
				"The reset link is valid for 30 minutes and only the latest link works; the customer had opened an older email. Fix: unlocked the account (locked after 5 failed attempts), sent a fresh reset link, and the customer set a new password and signed in.",
				"重置链接有效期为30分钟，且只有最新的一封有效；用户点开的是旧邮件。处理：解除账号锁定（连续5次密码错误触发），重新发送重置链接，用户设置新密码后已成功登录。",
			}},
			workHours: 1, askP: 0.3,
			fields: []string{"affected_features"}, features: []string{"login"},
			tags: []string{"password"},
		},
		{
			key: "account-delete", product: ProductApp, category: "privacy", typ: "request",
			owner: TeamPlatform, weight: 0.8, urgency: [4]float64{2, 5, 0, 0},
			subjects: [2][]string{
				{"Delete my account and all data", "GDPR data deletion request"},
				{"注销账号并删除所有数据", "申请删除个人信息"},
			},
			descs: [2][]string{
				{"Please delete my Aurora account ({email}) and all personal data you hold, including recordings and files."},
				{"请注销我的Aurora账号（{email}），并删除你们保存的所有个人数据，包括录像和文件。"},
			},
			ask: bi{"To protect your data, please confirm the request by replying from {email}.",
				"为保护您的数据安全，请使用{email}回复确认此请求。"},
			note: bi{"Ownership verified; deletion job scheduled across devices, recordings and drive.",
				"已核实账号归属；已在设备、录像和云盘各系统安排删除任务。"},
			resolutions: []bi{{
				"Verified account ownership by email and scheduled deletion of the account and all associated data (devices, recordings, files); deletion completes within 30 days as per our privacy policy, and a confirmation was sent to the customer.",
				"已通过邮箱核实账号归属，并安排删除该账号及所有关联数据（设备、录像、文件）；按隐私政策将在30天内完成删除，已向用户发送确认。",
			}},
			workHours: 10, askP: 0.7,
			tags: []string{"privacy", "gdpr"},
		},
		{
			key: "order-shipping", category: "shipping", typ: "question",
			owner: TeamL1, weight: 1.8, urgency: [4]float64{2, 5, 1, 0},
			subjects: [2][]string{
				{"Where is my order {order}?", "Order {order} not delivered yet"},
				{"订单{order}什么时候发货？", "订单{order}还没收到"},
			},
			descs: [2][]string{
				{"I ordered a {model} on {order_date} (order {order}) and the tracking hasn't updated for 4 days."},
				{"{order_date}下单买了{model}（订单号{order}），物流信息已经4天没有更新了。"},
			},
			ask: bi{"Could you confirm the delivery address and a phone number the courier can reach?",
				"请确认收货地址以及快递员可以联系到的电话。"},
			note: bi{"Courier: parcel held at the regional hub, address mismatch.",
				"快递公司反馈：包裹因地址不符滞留在转运中心。"},
			resolutions: []bi{{
				"The parcel was held at the courier's regional hub because of an address mismatch. Contacted the courier, corrected the address, and order {order} was delivered the next day.",
				"包裹因地址信息不符滞留在快递转运中心。已联系快递公司更正地址，订单{order}于次日送达。",
			}},
			workHours: 3, askP: 0.3, waitReason: "waiting_on_third_party", waitP: 0.6, waitDays: 1.5,
			fields: []string{"device_model"}, orderRef: "order",
			tags: []string{"shipping"},
		},

		// Topics that only the planned spikes use.
		{
			key: "router-firmware-regression", product: ProductRouter, category: "connectivity", typ: "incident",
			owner: TeamNetwork, partner: TeamHardware, urgency: [4]float64{0, 3, 5, 1},
			subjects: [2][]string{
				{"5 GHz Wi-Fi gone after update to {fw}", "Wi-Fi drops constantly since firmware {fw}", "Router lost internet after last night's update"},
				{"升级{fw}后5G WiFi消失了", "固件升级到{fw}后WiFi一直断", "路由器昨晚自动升级后无法上网"},
			},
			descs: [2][]string{
				{"The router updated itself to {fw} last night. Since then the 5 GHz network disappears every few minutes and 2.4 GHz clients lose the internet. Nothing else changed at home.",
					"After the automatic update to {fw} my {model} keeps dropping Wi-Fi. I work from home and this is urgent."},
				{"路由器昨晚自动升级到了{fw}，之后5G WiFi每隔几分钟就消失，2.4G的设备也上不了网。家里其他设置都没动过。",
					"{model}自动升级到{fw}以后WiFi一直掉线，在家办公完全没法用，请尽快处理！"},
			},
			ask: bi{"Could you send the system log export and confirm the firmware version under Settings > System > Firmware?",
				"请导出系统日志，并在 设置 > 系统 > 固件 中确认当前版本号。"},
			note: bi{"Known issue with 3.2.0 on AX3000 (5 GHz radio driver crash). Linked to the problem ticket; waiting for hotfix 3.2.1.",
				"3.2.0在AX3000上的已知问题（5G射频驱动崩溃），已关联问题单，等待3.2.1热修复。"},
			bounce: bi{"Radio resets under load look like a hardware fault; asking Hardware RMA to check.",
				"高负载下射频复位，疑似硬件故障，请硬件返修组确认。"},
			resolutions: []bi{
				{"Root cause: firmware 3.2.0 has a 5 GHz radio driver defect on the AX3000 that crashes the radio under load (problem ticket linked). Fix: installed hotfix firmware 3.2.1 (Settings > System > Firmware > Check for updates). Wi-Fi has been stable since; auto-update stays on.",
					"原因：3.2.0固件在AX3000上存在5G射频驱动缺陷，高负载时射频崩溃（已关联问题单）。处理：升级至热修复固件3.2.1（设置 > 系统 > 固件 > 检查更新）。升级后WiFi稳定，自动更新保持开启。"},
				{"Root cause: firmware 3.2.0 has a 5 GHz radio driver defect on the AX3000 (problem ticket linked). Workaround: rolled the router back to 3.1.8 (Settings > System > Firmware > Restore previous version) and paused auto-update until the fix ships. Wi-Fi stable again.",
					"原因：3.2.0固件在AX3000上存在5G射频驱动缺陷（已关联问题单）。临时方案：回退到3.1.8（设置 > 系统 > 固件 > 恢复上一版本），并暂停自动更新直至修复版本发布。WiFi已恢复稳定。"},
			},
			workHours: 3, askP: 0.3, pingPongP: 0.3,
			fields: []string{"device_model", "firmware_version", "purchase_date", "affected_features"}, features: []string{"wifi_5g", "wifi_2g"},
			tags: []string{"wifi", "firmware"},
		},
		{
			key: "app-login-crash", product: ProductApp, category: "app_crash", typ: "incident",
			owner: TeamMobile, partner: TeamPlatform, urgency: [4]float64{0, 3, 5, 0.5},
			subjects: [2][]string{
				{"App crashes at login after update to {app_ver}", "Can't log in since the {app_ver} update"},
				{"更新到{app_ver}后登录闪退", "升级{app_ver}后App无法登录"},
			},
			descs: [2][]string{
				{"After updating Aurora Home to {app_ver} on my {phone} ({os}) the app crashes as soon as I tap 'Log in'. My cameras still record but I can't see them.",
					"Updated the app this morning ({app_ver}); now it closes every time I try to sign in with Face ID."},
				{"把Aurora Home更新到{app_ver}后，我的{phone}（{os}）一点“登录”就闪退。摄像头还在录像，但我看不到画面。",
					"今天早上更新了App（{app_ver}），现在每次用面容ID登录都会闪退。"},
			},
			ask: bi{"Is Face ID login enabled for the app? A screen recording of the crash would help.",
				"请问App是否开启了面容ID登录？如方便请录一段闪退视频。"},
			note: bi{"Known defect in 5.2.0: crash in the biometric login path on iOS 18. Linked to the problem ticket; hotfix 5.2.1 in App Store review.",
				"5.2.0已知缺陷：iOS 18生物识别登录流程崩溃。已关联问题单，热修复5.2.1正在App Store审核。"},
			bounce: bi{"Crash happens right after the token call; asking Platform whether the login API changed.",
				"崩溃发生在获取令牌之后，请平台工程组确认登录接口是否有变更。"},
			resolutions: []bi{
				{"Root cause: app 5.2.0 crashes at login on iOS 18 when biometric login is enabled (known defect, problem ticket linked). Fix: hotfix 5.2.1 is in the App Store; the customer updated and can log in again.",
					"原因：5.2.0版本在iOS 18上开启生物识别登录时会在登录时崩溃（已知缺陷，已关联问题单）。处理：热修复版本5.2.1已上架App Store，用户更新后可正常登录。"},
				{"Root cause: app 5.2.0 crashes at login on iOS 18 when biometric login is enabled (known defect, problem ticket linked). Workaround: turned off Face ID login for Aurora Home (iOS Settings > Face ID & Passcode) and signed in with the password until the hotfix ships.",
					"原因：5.2.0版本在iOS 18上开启生物识别登录时会在登录时崩溃（已知缺陷，已关联问题单）。临时方案：在iOS 设置 > 面容ID与密码 中关闭Aurora Home的面容ID登录，改用密码登录，等待热修复版本。"},
			},
			workHours: 2, askP: 0.25, pingPongP: 0.25,
			fields: []string{"app_version", "affected_features"}, features: []string{"login", "live_view"},
			tags: []string{"crash", "login"},
		},
	}
}

// Phrases shared by all topics.
var (
	phraseAck = [2][]string{
		{"Hi {name}, thanks for contacting Aurora support. I'm looking into this now.",
			"Hello {name}, thank you for the details. I've picked up your ticket and will update you shortly.",
			"Hi {name}, sorry for the trouble. I'm on it and will get back to you soon."},
		{"{name}您好，感谢联系Aurora客服，我正在为您处理。",
			"您好{name}，已收到您的问题，我们正在排查，稍后给您回复。",
			"{name}您好，给您带来不便很抱歉，我们已开始处理，请稍候。"},
	}
	phraseCustomerInfo = [2][]string{
		{"Here is the information you asked for.", "Attached the log and screenshots.", "Done, details below. Thanks for the quick reply."},
		{"已按要求提供信息，请查看。", "日志和截图已上传。", "好的，信息发给你们了，谢谢。"},
	}
	phraseChase = [2][]string{
		{"Any update on this? It's still not working.", "Hello, is there any news on my ticket?", "This is taking a long time, please escalate."},
		{"请问有进展了吗？问题还在。", "你好，这个问题处理得怎么样了？", "已经等了很久了，麻烦加急处理。"},
	}
	phraseReopen = [2][]string{
		{"Sorry, the problem is back since this morning.", "It worked for a day, now it's happening again.", "Still not fixed, same error as before."},
		{"不好意思，今天早上问题又出现了。", "好了一天，现在又出现同样的问题。", "还是没有解决，和之前的错误一样。"},
	}
	phraseConfirm = [2][]string{
		{"Confirmed, it works now. Thanks!", "All good now, you can close the ticket.", "Thanks for the help, problem solved."},
		{"确认已经好了，谢谢！", "现在正常了，可以关闭工单。", "问题解决了，感谢帮助。"},
	}
	phraseReminder = bi{"Just checking in: could you send us the information above so we can continue?",
		"您好，想跟进一下：麻烦提供上述信息，以便我们继续处理。"}
	phraseNoResponse = bi{"No response from the customer after two reminders; resolving. The customer can reply to reopen.",
		"两次提醒后用户仍未回复，先行解决工单，用户回复即可重新打开。"}
	phraseResolvedReply = bi{"Hi {name}, here is a summary of what we did:\n\n{resolution}\n\nIf anything else comes up, just reply to this message.",
		"{name}您好，处理结果如下：\n\n{resolution}\n\n如有其他问题，直接回复本邮件即可。"}
	phraseHandoff = bi{"L1 checks done (basic troubleshooting, customer details verified). Escalating to {team}.",
		"一线已完成基础排查并核实用户信息，升级至{team}处理。"}
	phraseBounceBack = bi{"Checked on our side: not a {from} issue. Sending back to {team}.",
		"我们这边已检查，不属于{from}的问题，退回{team}。"}
	phraseMissingInfo = bi{"Ticket lacks the customer's device details; sending back to L1 to collect them first.",
		"工单缺少用户设备信息，退回一线补充后再升级。"}
	phraseWait = map[string]bi{
		"waiting_on_third_party": {"Waiting for the courier / partner to confirm.", "等待快递或合作方确认。"},
		"waiting_on_internal":    {"Waiting on the engineering team.", "等待研发团队处理。"},
		"scheduled":              {"Follow-up scheduled with the customer.", "已与用户预约后续处理时间。"},
	}
	phraseKnownIssue = bi{"This is a known issue that our engineers are fixing right now. We'll update you as soon as the fix is out.",
		"这是一个已知问题，工程师正在紧急修复，修复发布后我们会第一时间通知您。"}
)
