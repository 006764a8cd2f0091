# Writes eval-pairs.tsv next to this file: python3 generate-eval-pairs.py (templates, seed 7).
import random
random.seed(7)
orders = ["48213", "90017", "11562", "73840", "26691", "55108", "31974", "80422"]
cities = ["Paris", "Berlin", "Madrid", "Lisbon", "Vienna", "Dublin", "Oslo", "Prague"]
products = ["Premium Plan", "Photo Backup", "Team Chat", "Cloud Drive", "Music Plus", "Video Pro"]
amounts = ["$20", "$45", "$120", "$250", "$75", "$15"]
dates = ["3 May", "12 June", "21 July", "8 August", "30 September", "14 October"]
reviews = ["The battery lasts all day and the screen is sharp.", "Delivery took three weeks and the box was crushed.",
           "Support answered quickly and fixed my issue.", "The app crashes every time I open the camera.",
           "Great value for the price, would buy again.", "The strap broke after one use."]
# (paraphrase A, paraphrase B) templates
P = [
 ("Where is my order {o}?", "What is the status of order {o}?"),
 ("Can you ship order {o} to {c}?", "Please send order {o} to {c}."),
 ("Cancel my subscription to {p}.", "Please end my {p} subscription."),
 ("How do I reset my password?", "I forgot my password, how can I set a new one?"),
 ("What is the refund policy for {p}?", "How do refunds work for {p}?"),
 ("Summarise this review: {r}", "Give me a short summary of this review: {r}"),
 ("Classify the sentiment of this review: {r}", "What is the sentiment of the following review? {r}"),
 ("I was charged {a} twice for order {o}.", "Order {o} was billed {a} two times."),
 ("Please refund {a} to my card for order {o}.", "I would like {a} back on my card for order {o}."),
 ("Change the delivery address of order {o} to {c}.", "Update order {o} so it is delivered to {c}."),
 ("When will order {o} arrive in {c}?", "How long until order {o} gets to {c}?"),
 ("Book a meeting room for {d}.", "Reserve a meeting room on {d}."),
 ("Does {p} work offline?", "Can I use {p} without an internet connection?"),
 ("How much does {p} cost per month?", "What is the monthly price of {p}?"),
 ("Extract the order number from this message: I still have not received order {o}.",
  "Find the order number in this message: I still have not received order {o}."),
 ("Which department should handle this ticket: my invoice for {a} is wrong?",
  "Route this ticket to the right team: my invoice for {a} is wrong."),
 ("Translate 'thank you for your order' into French.", "How do you say 'thank you for your order' in French?"),
 ("Write a polite reply to a customer whose order {o} is late.", "Draft a courteous answer to a customer waiting for late order {o}."),
 ("List the features of {p}.", "What features does {p} have?"),
 ("Is there a student discount for {p}?", "Do students get a lower price for {p}?"),
 ("My package for order {o} arrived damaged.", "Order {o} was delivered broken."),
 ("How do I export my data from {p}?", "What is the way to download all my data from {p}?"),
 ("Explain the difference between the basic and premium tiers of {p}.", "How do the basic and premium tiers of {p} differ?"),
 ("Set a reminder to pay the {a} invoice on {d}.", "Remind me on {d} to pay the {a} invoice."),
 ("What are your opening hours in {c}?", "When is your {c} store open?"),
]
# negatives: (kind, A, B)
N = [
 ("negation", "Cancel my subscription to {p}.", "Do not cancel my subscription to {p}."),
 ("negation", "Ship order {o} to {c}.", "Don't ship order {o} to {c}."),
 ("negation", "I want to renew {p}.", "I don't want to renew {p}."),
 ("negation", "Please refund order {o}.", "Please do not refund order {o}."),
 ("negation", "The app works on my phone.", "The app never works on my phone."),
 ("negation", "Include the invoice for order {o}.", "Send order {o} without the invoice."),
 ("negation", "Is {p} available in {c}?", "Is {p} not available in {c}?"),
 ("antonym", "Increase my credit limit to {a}.", "Decrease my credit limit to {a}."),
 ("antonym", "Enable two-factor login on {p}.", "Disable two-factor login on {p}."),
 ("antonym", "Upgrade me to the premium tier of {p}.", "Downgrade me to the basic tier of {p}."),
 ("antonym", "Add {p} to my account.", "Remove {p} from my account."),
 ("antonym", "Deliver order {o} before {d}.", "Deliver order {o} after {d}."),
 ("antonym", "Show me the cheapest plan of {p}.", "Show me the most expensive plan of {p}."),
 ("antonym", "Lock my account.", "Unlock my account."),
 ("antonym", "Subscribe me to the {p} newsletter.", "Unsubscribe me from the {p} newsletter."),
 ("antonym", "Approve the refund for order {o}.", "Reject the refund for order {o}."),
 ("antonym", "Import my contacts into {p}.", "Export my contacts from {p}."),
 ("number", "Where is my order {o}?", "Where is my order {o2}?"),
 ("number", "Please refund {a} for order {o}.", "Please refund {a2} for order {o}."),
 ("number", "I ordered two items of {p}.", "I ordered three items of {p}."),
 ("number", "Split the bill into 3 payments.", "Split the bill into 4 payments."),
 ("number", "I was charged {a} for {p}.", "I was charged {a2} for {p}."),
 ("date", "Book a meeting room for {d}.", "Book a meeting room for {d2}."),
 ("date", "Deliver order {o} on Monday.", "Deliver order {o} on Friday."),
 ("date", "Remind me on {d} to pay the invoice.", "Remind me on {d2} to pay the invoice."),
 ("date", "What were the sales in March?", "What were the sales in April?"),
 ("entity", "Can you ship order {o} to {c}?", "Can you ship order {o} to {c2}?"),
 ("entity", "What is the refund policy for {p}?", "What is the refund policy for {p2}?"),
 ("entity", "What are your opening hours in {c}?", "What are your opening hours in {c2}?"),
 ("entity", "Cancel my subscription to {p}.", "Cancel my subscription to {p2}."),
 ("unrelated", "Where is my order {o}?", "How do I reset my password?"),
 ("task", "Summarise this review: {r}", "Translate this review into German: {r}"),
 ("task", "Classify the sentiment of this review: {r}", "Summarise this review: {r}"),
 ("task", "Translate this review into German: {r}", "Translate this review into Spanish: {r}"),
 ("task", "Extract the product name from this review: {r}", "Extract the complaint from this review: {r}"),
 ("task", "Write a reply to this review: {r}", "Summarise this review: {r}"),
 ("task", "Rewrite this review in a formal tone: {r}", "Rewrite this review in a casual tone: {r}"),
 ("task", "List the pros mentioned in this review: {r}", "List the cons mentioned in this review: {r}"),
 ("topic", "How do I reset my password?", "How do I change my email address?"),
 ("topic", "How do I reset my password?", "How do I delete my account?"),
 ("topic", "What is the refund policy for {p}?", "What is the privacy policy for {p}?"),
 ("topic", "How much does {p} cost per month?", "How much storage does {p} include?"),
 ("topic", "Does {p} work offline?", "Does {p} work on tablets?"),
 ("topic", "Where is my order {o}?", "Who delivered my order {o}?"),
 ("topic", "Change the delivery address of order {o} to {c}.", "Change the billing address of order {o} to {c}."),
 ("topic", "What are your opening hours in {c}?", "What is your phone number in {c}?"),
 ("topic", "Is there a student discount for {p}?", "Is there a family plan for {p}?"),
 ("topic", "List the features of {p}.", "List the known bugs of {p}."),
 ("unrelated", "Summarise this review: {r}", "Summarise this review: {r2}"),
 ("unrelated", "Classify the sentiment of this review: {r}", "Classify the sentiment of this review: {r2}"),
]
def fill(t, v):
    return t.format(**v)
def values():
    o, o2 = random.sample(orders, 2); c, c2 = random.sample(cities, 2); p, p2 = random.sample(products, 2)
    a, a2 = random.sample(amounts, 2); d, d2 = random.sample(dates, 2); r, r2 = random.sample(reviews, 2)
    return dict(o=o, o2=o2, c=c, c2=c2, p=p, p2=p2, a=a, a2=a2, d=d, d2=d2, r=r, r2=r2)
rows = set()
for a, b in P:
    for _ in range(12):
        v = values(); rows.add(("paraphrase", fill(a, v), fill(b, v)))
for k, a, b in N:
    for _ in range(12):
        v = values(); rows.add((k, fill(a, v), fill(b, v)))
out = ["# Semantic-cache eval pairs: kind <TAB> a <TAB> b. 'paraphrase' pairs ask for the same thing and",
       "# should hit; every other kind asks for something else and must not. Built from templates with",
       "# random fills (seed 7); read by SemanticEvalTest, figures in docs/benchmarks.md."]
for k, a, b in sorted(rows):
    out.append(f"{k}\t{a}\t{b}")
open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'eval-pairs.tsv'), 'w').write("\n".join(out) + "\n")
import collections
print(collections.Counter(r[0] for r in rows))
