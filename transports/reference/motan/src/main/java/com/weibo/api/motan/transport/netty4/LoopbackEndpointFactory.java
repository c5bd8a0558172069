package com.weibo.api.motan.transport.netty4;

import com.weibo.api.motan.core.extension.SpiMeta;
import com.weibo.api.motan.rpc.URL;
import com.weibo.api.motan.transport.MessageHandler;
import com.weibo.api.motan.transport.Server;

/** Motan's Netty 4 endpoints, with a server that binds the loopback address only (LoopbackNettyServer). */
@SpiMeta(name = "loopback")
public class LoopbackEndpointFactory extends NettyEndpointFactory {
  @Override
  protected Server innerCreateServer(URL url, MessageHandler messageHandler) {
    return new LoopbackNettyServer(url, messageHandler);
  }
}
