import { randomBytes } from 'node:crypto';
import { Body, Controller, Get, Header, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { signPayload } from '@handoff/messenger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MessengerGraphService } from '../outbound/messenger-graph.service.js';
import { SIMULATOR_PAGE, SIMULATOR_SCRIPT } from './simulator.page.js';

class SimulatedMessageDto {
  @Matches(/^[0-9]{6,20}$/)
  psid!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  @IsOptional()
  text?: string;

  @IsString()
  @MaxLength(1000)
  @IsOptional()
  quickReplyPayload?: string;
}

export interface SimulatedReply {
  seq: number;
  at: number;
  text: string | null;
  buttons: { title: string; url: string }[];
  quickReplies: string[];
}

/**
 * Demo mode only: a person chats as a Messenger user. Messages are signed with the app secret and
 * posted to the real webhook over HTTP, exactly as Meta would; replies are what the built-in fake
 * Graph API received.
 */
@ApiExcludeController()
@Controller('simulator')
export class SimulatorController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly graph: MessengerGraphService,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  page(): string {
    return SIMULATOR_PAGE;
  }

  @Get('app.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  script(): string {
    return SIMULATOR_SCRIPT;
  }

  @Post('messages')
  @HttpCode(202)
  async send(@Body() body: SimulatedMessageDto, @Req() request: FastifyRequest): Promise<{ status: number }> {
    if (body.text === undefined && body.quickReplyPayload === undefined) {
      throw new DomainException(ErrorCode.ValidationFailed, 'text or quickReplyPayload is required');
    }
    const { pageId, appSecrets } = this.config.messenger;
    const message: Record<string, unknown> = { mid: `m_sim_${randomBytes(12).toString('base64url')}`, text: body.text ?? 'New link' };
    if (body.quickReplyPayload) message.quick_reply = { payload: body.quickReplyPayload };
    const envelope = {
      object: 'page',
      entry: [{ id: pageId, time: Date.now(), messaging: [{ sender: { id: body.psid }, recipient: { id: pageId }, timestamp: Date.now(), message }] }],
    };
    // Meta escapes non-ASCII in the bytes it signs.
    const raw = JSON.stringify(envelope).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
    // Back to this very server, on the port the page was served from.
    const response = await fetch(`http://127.0.0.1:${request.socket.localPort ?? this.config.port}/webhooks/messenger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signPayload(raw, appSecrets[0]!) },
      body: raw,
    });
    return { status: response.status };
  }

  @Get('replies')
  replies(@Query('psid') psid: string, @Query('after') after?: string): SimulatedReply[] {
    const fake = this.graph.fake;
    if (!fake || typeof psid !== 'string' || !/^[0-9]{6,20}$/.test(psid)) return [];
    const since = Number(after ?? 0) || 0;
    return fake
      .messagesTo(psid)
      .filter((call) => call.seq > since && call.response?.status === 200)
      .map((call) => toReply(call.seq, call.at, call.body));
  }
}

function toReply(seq: number, at: number, body: unknown): SimulatedReply {
  const message = (body as { message?: Record<string, unknown> } | undefined)?.message ?? {};
  const quickReplies = Array.isArray(message.quick_replies) ? message.quick_replies.map((q) => String((q as { title?: unknown }).title ?? '')) : [];
  const payload = (message.attachment as { payload?: { text?: unknown; buttons?: unknown } } | undefined)?.payload;
  if (payload) {
    const buttons = Array.isArray(payload.buttons)
      ? payload.buttons.map((b) => ({ title: String((b as { title?: unknown }).title ?? ''), url: String((b as { url?: unknown }).url ?? '') }))
      : [];
    return { seq, at, text: typeof payload.text === 'string' ? payload.text : null, buttons, quickReplies };
  }
  return { seq, at, text: typeof message.text === 'string' ? message.text : null, buttons: [], quickReplies };
}
