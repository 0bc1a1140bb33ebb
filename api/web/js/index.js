// Staff chat page (/).
import { setupChat } from "./chat.js";

setupChat({ mode: "staff" });
