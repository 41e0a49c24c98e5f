// ConnectionGuard — protection of `qpv serve` against slow or numerous connections (issue 16, finding 12).
//
// This file owns: the header-read deadline (a connection that has not sent the complete headers of its
// request within `ServerOptions.headerTimeoutSeconds`, counted from its opening or from the end of the
// previous response, is closed, whatever it trickles meanwhile: a byte a second resets no timer here) and the
// connection cap (`ServerOptions.maxConnections`: a connection beyond it is closed at once, so slow clients
// cannot pile up to the file-descriptor limit while the connections already open are served). One handler a
// connection, placed by Hummingbird after the HTTP decoder (it sees request heads and response ends); the
// idle timeout between parts stays Hummingbird's (`idleTimeoutSeconds`).

import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Synchronization

/// Number of open connections, shared by every connection's guard.
public final class ConnectionCounter: Sendable {
    public let limit: Int
    private let open = Mutex(0)

    public init(limit: Int) { self.limit = limit }

    /// Connections currently counted.
    public var count: Int { open.withLock { $0 } }

    /// Takes a place if one is free.
    func acquire() -> Bool {
        open.withLock { n in
            guard n < limit else { return false }
            n += 1
            return true
        }
    }

    func release() { open.withLock { $0 -= 1 } }
}

/// One connection's guard: deadline for each request's headers, place in the connection cap.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let counter: ConnectionCounter
    private let headerTimeout: TimeAmount?
    private var counted = false
    private var inFlight = 0
    private var deadline: Scheduled<Void>?
    /// Set once this guard or a handler above it has asked for the connection's close.
    private var closing = false

    init(counter: ConnectionCounter, headerTimeoutSeconds: Double?) {
        self.counter = counter
        self.headerTimeout = headerTimeoutSeconds.map { .nanoseconds(Int64($0 * 1e9)) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard counter.acquire() else {
            // Over the cap: closed once the pipeline is set up (closing inside its set-up would fail it).
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.execute { loopBound.value.close(promise: nil) }
            return
        }
        counted = true
        armDeadline(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        if counted {
            counted = false
            counter.release()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            inFlight += 1
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight -= 1
            if inFlight == 0 { armDeadline(context) }  // the next request's headers are due in turn
        }
        context.write(data, promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all {
            closing = true
            deadline?.cancel()
            deadline = nil
        }
        context.close(mode: mode, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    /// A request the HTTP decoder cannot read (headers over 80 Kio, malformed request line…) is answered with
    /// the JSON error body of every other 4xx (Hummingbird would answer an empty 400), then closed.
    /// A decoder error raised while the channel closes (the decoder's last pass over a half-received request,
    /// e.g. when the idle timeout closes a slow connection) is not answered: nothing can be written any more,
    /// and writing from inside the close re-enters the pipeline handlers in the middle of their own close.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError, inFlight == 0, context.channel.isActive, !closing else {
            context.fireErrorCaught(error)
            return
        }
        let e: APIError
        switch parse {
        case .headerOverflow:
            e = APIError(.init(code: 431), "headers_too_large", "en-têtes de requête trop volumineux (80 Kio au plus)")
        case .invalidURL:
            e = APIError(.badRequest, "invalid_request", "adresse (URL) de requête illisible")
        default:
            e = APIError(.badRequest, "invalid_request", "requête HTTP illisible")
        }
        var headers = e.headerFields
        headers[.connection] = "close"
        let body = ByteBuffer(string: e.json)
        headers[.contentLength] = String(body.readableBytes)
        inFlight = 1  // no deadline now: the connection ends with this answer
        closing = true
        deadline?.cancel()
        deadline = nil
        context.write(wrapOutboundOut(.head(HTTPResponse(status: e.status, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        // Half-close: the rest of what the client sends is read and dropped, so that a full close with
        // unread bytes (a reset) does not wipe the answer from its side; closed for good shortly after.
        context.close(mode: .output, promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .seconds(2)) { loopBound.value.close(promise: nil) }
    }

    private func armDeadline(_ context: ChannelHandlerContext) {
        guard counted, !closing, let headerTimeout, deadline == nil else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: headerTimeout) {
            let (guardHandler, context) = loopBound.value
            guardHandler.deadline = nil
            context.close(promise: nil)
        }
    }
}
