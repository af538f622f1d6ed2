"""A small MedDRA-style dictionary of the terms the simulator uses: PT, primary SOC, LLTs used as verbatims.

Flags: ``REL`` = may be judged related to the transplant procedure/product, ``PROC`` = starts within days
of the transplant (procedure/injection related), ``POOL`` = T (Table 3 term), S (serious only),
O (other treatment-emergent term), P (pre-treatment only).
"""

from __future__ import annotations

import pandas as pd

MEDDRA_VERSION = "17.1"
NERV = "Nervous system disorders"
INJ = "Injury, poisoning and procedural complications"
MSK = "Musculoskeletal and connective tissue disorders"
GEN = "General disorders and administration site conditions"
GI = "Gastrointestinal disorders"
RESP = "Respiratory, thoracic and mediastinal disorders"
INF = "Infections and infestations"
PSY = "Psychiatric disorders"
SKIN = "Skin and subcutaneous tissue disorders"
VASC = "Vascular disorders"
META = "Metabolism and nutrition disorders"
INV = "Investigations"
EYE = "Eye disorders"
CARD = "Cardiac disorders"
REN = "Renal and urinary disorders"
EAR = "Ear and labyrinth disorders"

_ROWS = [
    # PT, SOC, LLTs ("|"-separated), REL, PROC, POOL
    ("Headache", NERV, "Headache|Head pain", True, True, "T"),
    ("Procedural headache", INJ, "Procedural headache|Post procedural headache", True, True, "T"),
    ("Back pain", MSK, "Back pain|Low back pain", True, True, "T"),
    ("Pyrexia", GEN, "Fever|Pyrexia", True, True, "T"),
    ("Arthralgia", MSK, "Joint pain|Arthralgia", True, True, "T"),
    ("Injection site pain", GEN, "Injection site pain", True, True, "T"),
    ("Constipation", GI, "Constipation", True, False, "T"),
    ("Pain in extremity", MSK, "Arm pain|Leg pain|Pain in extremity", True, True, "T"),
    ("Neck pain", MSK, "Neck pain", True, True, "T"),
    ("Myalgia", MSK, "Muscle pain|Myalgia", True, True, "T"),
    ("Cough", RESP, "Cough", False, False, "T"),
    ("Nausea", GI, "Nausea", True, True, "T"),
    ("Dysphagia", GI, "Dysphagia", False, False, "S"),
    ("Respiratory failure", RESP, "Respiratory failure", False, False, "S"),
    ("Pneumonia aspiration", RESP, "Pneumonia aspiration|Aspiration pneumonia", False, False, "S"),
    ("Fall", INJ, "Fall", False, False, "S"),
    ("Femur fracture", INJ, "Femur fracture|Fractured femur", False, False, "S"),
    ("Dehydration", META, "Dehydration", False, False, "S"),
    ("Urinary tract infection", INF, "Urinary tract infection", False, False, "S"),
    ("Deep vein thrombosis", VASC, "Deep vein thrombosis", False, False, "S"),
    ("Dyspnoea", RESP, "Shortness of breath|Dyspnoea", False, False, "S"),
    ("Pneumonia", INF, "Pneumonia", False, False, "S"),
    ("Syncope", NERV, "Syncope|Fainting", False, False, "S"),
    ("Nephrolithiasis", REN, "Kidney stone|Nephrolithiasis", False, False, "S"),
    ("Injection site bruising", GEN, "Injection site bruising", True, True, "O"),
    ("Injection site erythema", GEN, "Injection site erythema|Injection site redness", True, True, "O"),
    ("Injection site swelling", GEN, "Injection site swelling", True, True, "O"),
    ("Injection site haematoma", GEN, "Injection site haematoma", True, True, "O"),
    ("Puncture site pain", GEN, "Puncture site pain", True, True, "O"),
    ("Procedural pain", INJ, "Procedural pain|Post procedural pain", True, True, "O"),
    ("Post procedural contusion", INJ, "Post procedural contusion", True, True, "O"),
    ("Fatigue", GEN, "Fatigue|Tiredness", True, False, "O"),
    ("Chills", GEN, "Chills", True, True, "O"),
    ("Oedema peripheral", GEN, "Oedema peripheral|Leg swelling", False, False, "O"),
    ("Pain", GEN, "Pain", True, True, "O"),
    ("Malaise", GEN, "Malaise", True, True, "O"),
    ("Vomiting", GI, "Vomiting", True, True, "O"),
    ("Diarrhoea", GI, "Diarrhoea|Diarrhea", False, False, "O"),
    ("Abdominal pain", GI, "Abdominal pain", False, False, "O"),
    ("Dyspepsia", GI, "Dyspepsia|Indigestion", False, False, "O"),
    ("Dry mouth", GI, "Dry mouth", False, False, "O"),
    ("Salivary hypersecretion", GI, "Salivary hypersecretion|Drooling", False, False, "O"),
    ("Gastrooesophageal reflux disease", GI, "Gastrooesophageal reflux disease|Acid reflux", False,
     False, "O"),
    ("Toothache", GI, "Toothache", False, False, "O"),
    ("Flatulence", GI, "Flatulence", False, False, "O"),
    ("Musculoskeletal pain", MSK, "Musculoskeletal pain", True, True, "O"),
    ("Muscle spasms", MSK, "Muscle spasms|Muscle cramps", False, False, "O"),
    ("Muscular weakness", MSK, "Muscular weakness|Muscle weakness", False, False, "O"),
    ("Musculoskeletal stiffness", MSK, "Musculoskeletal stiffness|Stiffness", True, False, "O"),
    ("Muscle twitching", MSK, "Muscle twitching", False, False, "O"),
    ("Joint swelling", MSK, "Joint swelling", False, False, "O"),
    ("Dizziness", NERV, "Dizziness", True, True, "O"),
    ("Paraesthesia", NERV, "Paraesthesia|Tingling", True, False, "O"),
    ("Hypoaesthesia", NERV, "Hypoaesthesia|Numbness", True, False, "O"),
    ("Somnolence", NERV, "Somnolence|Drowsiness", False, False, "O"),
    ("Lethargy", NERV, "Lethargy", False, False, "O"),
    ("Migraine", NERV, "Migraine", True, False, "O"),
    ("Presyncope", NERV, "Presyncope", False, False, "O"),
    ("Dysarthria", NERV, "Dysarthria|Slurred speech", False, False, "O"),
    ("Anxiety", PSY, "Anxiety", False, False, "O"),
    ("Insomnia", PSY, "Insomnia", False, False, "O"),
    ("Depression", PSY, "Depression", False, False, "O"),
    ("Restlessness", PSY, "Restlessness", False, False, "O"),
    ("Nasopharyngitis", INF, "Nasopharyngitis|Common cold", False, False, "O"),
    ("Upper respiratory tract infection", INF, "Upper respiratory tract infection|URI", False, False, "O"),
    ("Sinusitis", INF, "Sinusitis", False, False, "O"),
    ("Influenza", INF, "Influenza|Flu", False, False, "O"),
    ("Cellulitis", INF, "Cellulitis", False, False, "O"),
    ("Oropharyngeal pain", RESP, "Oropharyngeal pain|Sore throat", False, False, "O"),
    ("Nasal congestion", RESP, "Nasal congestion", False, False, "O"),
    ("Rhinorrhoea", RESP, "Rhinorrhoea|Runny nose", False, False, "O"),
    ("Productive cough", RESP, "Productive cough", False, False, "O"),
    ("Choking", RESP, "Choking", False, False, "O"),
    ("Epistaxis", RESP, "Epistaxis|Nosebleed", False, False, "O"),
    ("Rash", SKIN, "Rash", True, False, "O"),
    ("Pruritus", SKIN, "Pruritus|Itching", True, False, "O"),
    ("Hyperhidrosis", SKIN, "Hyperhidrosis|Sweating increased", False, False, "O"),
    ("Dermatitis contact", SKIN, "Dermatitis contact", False, False, "O"),
    ("Hypertension", VASC, "Hypertension|High blood pressure", False, False, "O"),
    ("Hypotension", VASC, "Hypotension", True, True, "O"),
    ("Decreased appetite", META, "Decreased appetite|Loss of appetite", False, False, "O"),
    ("Hypokalaemia", META, "Hypokalaemia", False, False, "O"),
    ("Weight decreased", INV, "Weight decreased|Weight loss", False, False, "O"),
    ("Blood creatine phosphokinase increased", INV, "Blood creatine phosphokinase increased|CK increased",
     False, False, "O"),
    ("Alanine aminotransferase increased", INV, "Alanine aminotransferase increased|ALT increased", False,
     False, "O"),
    ("Vision blurred", EYE, "Vision blurred|Blurred vision", False, False, "O"),
    ("Dry eye", EYE, "Dry eye", False, False, "O"),
    ("Palpitations", CARD, "Palpitations", False, False, "O"),
    ("Tinnitus", EAR, "Tinnitus", False, False, "O"),
    ("Excoriation", INJ, "Excoriation|Skin abrasion", False, False, "O"),
    ("Skin laceration", INJ, "Skin laceration|Laceration", False, False, "O"),
    ("Contusion", INJ, "Contusion|Bruise", False, False, "O"),
    ("Ligament sprain", INJ, "Ligament sprain|Sprained ankle", False, False, "O"),
]
TERMS = pd.DataFrame(_ROWS, columns=["PT", "SOC", "LLTS", "REL", "PROC", "POOL"])
PRE_TREATMENT_PTS = ("Procedural pain", "Back pain", "Headache", "Nasopharyngitis", "Fatigue",
                     "Muscle spasms", "Contusion", "Insomnia", "Anxiety", "Upper respiratory tract infection")
