/**
 * Baseline for `npm run bench`: the Bot Framework echo sample and nothing else —
 * CloudAdapter (no auth) + restify with a body parser. No state, no transcripts,
 * no middleware. The full bot is measured against this on the same machine, same load.
 *
 *   PORT=3979 node --import tsx scripts/bench/echo-bot.ts
 */
import restify from 'restify';
import {
  ActivityHandler,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MessageFactory,
  type ConfigurationBotFrameworkAuthenticationOptions,
} from 'botbuilder';

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const text = `Echo: ${context.activity.text ?? ''}`;
      await context.sendActivity(MessageFactory.text(text, text));
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) {
          await context.sendActivity(MessageFactory.text('Hello and welcome!'));
        }
      }
      await next();
    });
  }
}

const auth = new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' } as ConfigurationBotFrameworkAuthenticationOptions);
const adapter = new CloudAdapter(auth);
adapter.onTurnError = async (context, error) => {
  process.stderr.write(`echo-bot: ${error.message}\n`);
  await context.sendActivity('The bot encountered an error.');
};
const bot = new EchoBot();

const server = restify.createServer();
server.use(restify.plugins.bodyParser());
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});

const port = Number(process.env.PORT ?? 3979);
server.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  process.stderr.write(`echo-bot listening on ${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
