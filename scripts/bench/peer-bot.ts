/**
 * The peer for `npm run bench`: a core-bot-style bot, what a typical Bot Framework bot
 * with dialogs costs — ComponentDialog + WaterfallDialog + ChoicePrompt/TextPrompt,
 * ConversationState on MemoryStorage, a welcome on join, no recognizer, no transcripts,
 * no middleware. Same CloudAdapter + restify shell as the echo bot (echo-bot.ts). The
 * full bot does far more per turn (validation, triage, NLU, redacted durable transcripts,
 * durable state); this shows what the dialog machinery alone costs.
 *
 *   PORT=3979 node --import tsx scripts/bench/peer-bot.ts
 */
import restify from 'restify';
import {
  ActivityHandler,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConversationState,
  MemoryStorage,
  MessageFactory,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import {
  ChoiceFactory,
  ChoicePrompt,
  ComponentDialog,
  DialogSet,
  DialogTurnStatus,
  ListStyle,
  TextPrompt,
  WaterfallDialog,
  type DialogState,
  type FoundChoice,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';

const TOPICS = ["What's causing my calf pain?", 'Self-tests at home', 'Book or talk to us', 'More topics'];

class MainDialog extends ComponentDialog {
  constructor() {
    super('main');
    const choice = new ChoicePrompt('choice');
    choice.style = ListStyle.suggestedAction;
    this.addDialog(choice);
    this.addDialog(new TextPrompt('text'));
    this.addDialog(new WaterfallDialog('flow', [
      async (step: WaterfallStepContext) => step.prompt('text', { prompt: MessageFactory.text('Tell me about your calf: where does it hurt, and since when?') }),
      async (step: WaterfallStepContext) => {
        (step.values as { story?: string }).story = String(step.result);
        return step.prompt('choice', { prompt: 'Thanks. What would you like to do next?', retryPrompt: 'Please pick one of these.', choices: ChoiceFactory.toChoices(TOPICS) });
      },
      async (step: WaterfallStepContext) => {
        const picked = (step.result as FoundChoice).value;
        await step.context.sendActivity(MessageFactory.text(`You picked "${picked}". Rest, gentle stretching and a gradual return usually help; see a clinician if it is swollen, red or warm.`));
        return step.endDialog();
      },
    ]));
    this.initialDialogId = 'flow';
  }

  async run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const set = new DialogSet(accessor);
    set.add(this);
    const dc = await set.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }
}

class PeerBot extends ActivityHandler {
  constructor(state: ConversationState, dialog: MainDialog) {
    super();
    const dialogState = state.createProperty<DialogState>('DialogState');
    this.onMessage(async (context, next) => {
      await dialog.run(context, dialogState);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) {
          await context.sendActivity(MessageFactory.suggestedActions(TOPICS, 'Hello, I can help with calf pain. What would you like to do?'));
        }
      }
      await next();
    });
    this.onDialog(async (context, next) => {
      await state.saveChanges(context, false);
      await next();
    });
  }
}

const auth = new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' } as ConfigurationBotFrameworkAuthenticationOptions);
const adapter = new CloudAdapter(auth);
adapter.onTurnError = async (context, error) => {
  process.stderr.write(`peer-bot: ${error.message}\n`);
  await context.sendActivity('The bot encountered an error.');
};
const bot = new PeerBot(new ConversationState(new MemoryStorage()), new MainDialog());

const server = restify.createServer();
server.use(restify.plugins.bodyParser());
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});

const port = Number(process.env.PORT ?? 3979);
server.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  process.stderr.write(`peer-bot listening on ${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
