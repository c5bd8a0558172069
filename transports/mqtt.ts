// mqtt: MQTT 5 request/response (mqtt.js 5) as the specification describes it: a request carries a Response Topic
// (the client's own reply topic) and Correlation Data (the call's id), which the server echoes on its reply.
// Servers share the request topic through a shared subscription ($share/rpcbench/...), so several share the
// load. Two rows: QoS 0 (at most once, the default) and mqtt:qos1 (at least once: a PUBACK each way per message).
// Sessions are clean and nothing is retained, so nothing is left on the broker. A request nobody subscribes to
// is dropped by the broker (MQTT has no "no responders"): the call fails with its timeout.
// Message format: the broker envelope (support/envelope.ts), without id and reply_to (MQTT 5 carries them).
import { randomBytes } from 'node:crypto';
import mqttLib, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Service } from './contract.ts';
import { credentials, hostPort, maskAddress, parseAddress, withParam } from './support/address.ts';
import { BROKERS, brokerFinder, probeReason } from './support/broker.ts';
import { answer, decodeReply, decodeRequest, encode, encodeReply, envelopeCodec, outcome } from './support/envelope.ts';
import { PendingCalls } from './support/pending.ts';
import { RUN_ID } from './support/run-id.ts';
import type { ClientHandle, ClientOptions, ServerHandle, ServerOptions, TransportImpl } from './transport.ts';

export const DEFAULT_TOPIC = 'rpcbench/rpc';
const SHARE_GROUP = 'rpcbench';

interface MqttAddress {
  url: string;
  masked: string;
  topic: string;
  username?: string;
  password?: string;
}

/** mqtt://[user:pass@]host:port?topic=NAME (topic defaults to rpcbench/rpc). */
function parseMqttAddress(address: string): MqttAddress {
  const url = parseAddress(address, ['mqtt:', 'mqtts:']);
  const { host, port } = hostPort(url, url.protocol === 'mqtts:' ? 8883 : 1883);
  const found = url.username ? credentials(url) : null;
  const login = found ? { username: found.user, password: found.password } : {};
  return {
    url: `${url.protocol}//${host.includes(':') ? `[${host}]` : host}:${port}`,
    masked: maskAddress(withParam(address, 'topic', url.searchParams.get('topic') || DEFAULT_TOPIC)),
    topic: url.searchParams.get('topic') || DEFAULT_TOPIC,
    ...login,
  };
}

/** MQTT 5, a clean session, no reconnect (a lost broker fails the calls in flight with the reason), a packet size limit. */
async function open(address: MqttAddress, timeoutMs: number, maxMessageBytes: number): Promise<MqttClient> {
  const options: IClientOptions = {
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    clientId: `rpcbench-${randomBytes(6).toString('hex')}`,
    username: address.username,
    password: address.password,
    properties: { maximumPacketSize: Math.min(maxMessageBytes + 1024, 268_435_455) },
  };
  try {
    const client = await mqttLib.connectAsync(address.url, options, false);
    // without it a lone PUBACK waits on Nagle and the peer's delayed ACK: 88 ms a call at QoS 1
    (client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    return client;
  } catch (error) {
    throw new Error(`cannot connect to MQTT at ${address.masked}: ${probeReason(error)} (set MQTT_URL to a reachable broker)`);
  }
}

export const mqttBroker = brokerFinder(BROKERS.mosquitto, async (url) => {
  try {
    await (await open(parseMqttAddress(url), 3000, 1 << 20)).endAsync();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
});

/** The mqtt (QoS 0) or mqtt:qos1 row. */
export function mqttQos(qos: 0 | 1) {
  const name = qos === 0 ? 'mqtt' : 'mqtt:qos1';
  return {
    codec: envelopeCodec,
    benchListen: () => `${mqttBroker.url()}?topic=rpcbench/${RUN_ID}/${name}`,
    prepare: () => mqttBroker.prepare(),
    release: () => mqttBroker.release(),
    serve: (listen: string, service: Service, options: ServerOptions) => serve(listen, service, options, qos),
    connect: (address: string, options: ClientOptions) => connect(address, options, qos),
  } satisfies TransportImpl;
}

/** Why a request's Response Topic is one we must not publish to, or null. A wildcard or a NUL is a protocol error
 *  for a publish (MQTT 5, 4.7.1): the broker would drop our connection, and every other caller's with it. */
function unpublishable(topic: string | undefined): string | null {
  if (!topic) return 'no Response Topic to reply to';
  if (/[+#\0]/.test(topic)) return `Response Topic ${JSON.stringify(topic.slice(0, 60))} holds a wildcard or NUL: not a topic one can publish to`;
  if (topic.startsWith('$')) return `Response Topic ${JSON.stringify(topic.slice(0, 60))} is a broker topic ($...)`;
  if (Buffer.byteLength(topic) > 65_535) return 'Response Topic over 65,535 bytes';
  return null;
}

async function serve(listen: string, service: Service, options: ServerOptions, qos: 0 | 1): Promise<ServerHandle> {
  const address = parseMqttAddress(listen);
  const client = await open(address, 10_000, options.maxMessageBytes);
  let closing = false;
  const failed = new Promise<Error>((resolve) => {
    client.on('error', () => {}); // 'close' follows
    client.on('close', () => !closing && resolve(new Error(`MQTT broker at ${address.masked} closed the connection`)));
  });
  client.on('message', (_topic, payload, packet) => {
    const responseTopic = packet.properties?.responseTopic;
    const correlationData = packet.properties?.correlationData;
    let request: ReturnType<typeof decodeRequest>;
    try {
      request = decodeRequest(payload, options.maxMessageBytes);
      const refused = unpublishable(responseTopic);
      if (refused) throw new Error(refused);
    } catch (error) {
      return void console.error(`mqtt: dropping a malformed request: ${(error as Error).message}`);
    }
    void answer(service, request).then((reply) =>
      client.publish(responseTopic!, encodeReply(reply, options.maxMessageBytes), { qos, properties: correlationData ? { correlationData } : {} }),
    );
  });
  await client.subscribeAsync(`$share/${SHARE_GROUP}/${address.topic}`, { qos });
  return {
    address: withParam(listen, 'topic', address.topic),
    failed,
    async close() {
      closing = true;
      await client.endAsync().catch(() => {});
    },
  };
}

async function connect(address: string, options: ClientOptions, qos: 0 | 1): Promise<ClientHandle> {
  const target = parseMqttAddress(address);
  const client = await open(target, Math.min(options.timeoutMs, 10_000), options.maxMessageBytes);
  const pending = new PendingCalls<string>(options.timeoutMs);
  const replyTopic = `rpcbench/${RUN_ID}/reply/${randomBytes(6).toString('hex')}`;
  let closed: Error | null = null;
  client.on('error', () => {});
  client.on('close', () => {
    closed ??= new Error(`MQTT broker at ${target.masked} closed the connection`);
    pending.rejectAll(closed);
  });
  client.on('message', (_topic, payload, packet) => {
    const id = packet.properties?.correlationData?.toString('utf8');
    if (id === undefined) return void console.error('mqtt: dropping a reply without correlation data');
    try {
      const o = outcome(decodeReply(payload, options.maxMessageBytes));
      if (o.ok) pending.resolve(id, o.value);
      else pending.reject(id, o.error);
    } catch (error) {
      pending.reject(id, error as Error);
    }
  });
  await client.subscribeAsync(replyTopic, { qos });
  let nextId = 0;
  return {
    call(method, args) {
      if (closed) return Promise.reject(closed);
      const id = String(nextId++);
      const reply = pending.add(id, method);
      client.publish(target.topic, encode({ method, args }), { qos, properties: { responseTopic: replyTopic, correlationData: Buffer.from(id) } }, (error) => {
        if (error) pending.reject(id, new Error(`MQTT publish failed: ${error.message}`));
      });
      return reply;
    },
    async close() {
      closed ??= new Error('client closed');
      pending.rejectAll(closed);
      await client.endAsync().catch(() => {});
    },
  };
}
