; a small p0f v3 file written for the fuzzer
classes = win,unix,other

[mtu]
label = Ethernet
sig   = 1500

[tcp:request]
label = s:unix:Linux:3.11 and newer
sig   = *:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0
label = g:unix:Linux:2.2.x-3.x
sig   = *:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0
label = s:unix:Mac OS X:10.x
sig   = *:64:0:*:65535,1:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0
label = s:!:NMap:SYN scan
sys   = @unix,@win
sig   = *:64-:0:1460:1024,0:mss::0
label = s:win:Windows:7
sig   = 4:128+0:0:1460:%8192,2:mss,nop,ws,nop,nop,sok:df,id+,ecn:*

[tcp:response]
label = s:unix:Linux:3.x
sig   = *:64:0:*:mtu*10,0:mss:df:0

[http:request]
ua_os = Linux,Windows
label = s:!:curl:
sig   = *:User-Agent,Host,Accept=[*/*]:Connection:curl/
