template a
tool t
request {method} sip:{x:user=1}@{h:host} SIP/2.0
header Via: SIP/2.0/UDP {local:host}:{localport:port}
end
kit k
base a
mark x 2
end
agent t User-Agent foo
